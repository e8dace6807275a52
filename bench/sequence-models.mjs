// The sequence models' training steps on Kindling's workers backend against PyTorch (one thread) in
// the same run, as a markdown table of medians: a transformer encoder layer (batch 32, 128 tokens,
// width 256, 4 heads; bench/transformer-step.mjs), a 2-layer LSTM (batch 32, 64 steps, hidden 256;
// bench/lstm-step.mjs) and nanoGPT's char-cpu iteration (bench/gpt-step.mjs), each against
// bench/pytorch_sequence_steps.py or bench/pytorch_lstm_step.py. `pnpm bench` runs it last.
//
// Usage: node bench/sequence-models.mjs [--iters 30] [--repeats 3] [--backends workers]
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { median } from './timing.mjs';

const run = promisify(execFile);
const bench = new URL('.', import.meta.url).pathname;
const { values } = parseArgs({ options: { iters: { type: 'string', default: '30' }, repeats: { type: 'string', default: '3' }, backends: { type: 'string', default: 'workers' } } });
const python = process.env.PYTHON ?? '/usr/bin/python3';

const MODELS = [
  { title: 'transformer encoder layer (batch 32, 128 tokens, width 256, 4 heads), forward + backward + SGD', script: 'transformer-step.mjs', torch: ['pytorch_sequence_steps.py', '--model', 'transformer'] },
  { title: '2-layer LSTM (batch 32, 64 steps, hidden 256), forward + backward + SGD', script: 'lstm-step.mjs', torch: ['pytorch_lstm_step.py'] },
  { title: "nanoGPT char-cpu iteration (4 layers, 4 heads, width 128, context 64, batch 12), forward + backward + clip + AdamW", script: 'gpt-step.mjs', torch: ['pytorch_sequence_steps.py', '--model', 'gpt'] },
];

/** The median-ms run of `repeats` runs of a command whose last stdout line is JSON, or why it failed. */
async function repeated(command, args) {
  try {
    const runs = [];
    for (let i = 0; i < Number(values.repeats); i++) {
      const { stdout } = await run(command, args, { maxBuffer: 1 << 24 });
      runs.push(JSON.parse(stdout.trim().split('\n').at(-1)));
    }
    const middle = median(runs.map((r) => r.msPerStep));
    return runs.find((r) => r.msPerStep === middle);
  } catch (error) {
    return { skipped: `${error.stderr || error.message}`.trim().split('\n').at(-1) };
  }
}

const format = (x, digits = 1) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));
console.log(`Sequence models' training steps, ${values.iters} steps, median of ${values.repeats} runs (ms/step after the first 20)\n`);
console.log('| model | implementation | ms/step | × PyTorch | tokens/s | peak RSS MB |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const model of MODELS) {
  const reference = await repeated(python, [join(bench, model.torch[0]), ...model.torch.slice(1), '--iters', values.iters]);
  const rows = [];
  for (const backend of values.backends.split(',')) {
    rows.push({ name: `kindling ${backend}`, ...(await repeated(process.execPath, [join(bench, model.script), '--backend', backend, '--iters', values.iters])) });
  }
  rows.push({ name: reference.implementation ?? 'pytorch', ...reference });
  for (const row of rows) {
    if (row.skipped) {
      console.log(`| ${model.title} | ${row.name} | unavailable: ${row.skipped} | | | |`);
      continue;
    }
    const ratio = reference.skipped ? '–' : format(row.msPerStep / reference.msPerStep, 2);
    console.log(`| ${model.title} | ${row.name} | ${format(row.msPerStep, 1)} | ${ratio} | ${format(row.tokensPerSecond, 0)} | ${format(row.peakRssMB, 0)} |`);
  }
}
