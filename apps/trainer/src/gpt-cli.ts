import { startRunBackend } from './backends.js';
import { GPT_USAGE, parseGptCli, type GptCliOptions } from './gpt-options.js';
import { gptPlot } from './gpt-plot.js';
import { checkOutputs, reportOutcome, writeTextAtomically, writeWithFallback, type Output } from './outputs.js';
import { trainGpt } from './train-gpt.js';

const OUTPUT_FLAGS = { save: 'save', 'export-onnx': 'exportOnnx', report: 'report', plot: 'plot' } as const;

/** The files the run writes, checked before anything slow and resolved through their symlinks. */
function checkedOutputs(options: GptCliOptions): Map<string, string> {
  const outputs: Output[] = Object.entries(OUTPUT_FLAGS).flatMap(([flag, key]) => (options[key] === undefined ? [] : [{ flag, path: options[key] }]));
  return new Map(checkOutputs(outputs).map(({ flag, path }) => [flag, path]));
}

/** `kindling-train --model gpt`: train.py's run and its lines; returns the exit code. */
export async function runGptCli(argv: readonly string[]): Promise<number> {
  const options = parseGptCli(argv);
  if (options.help) {
    console.log(GPT_USAGE);
    return 0;
  }
  const targets = checkedOutputs(options);
  await startRunBackend(options.backend, options.verbose);
  const result = await trainGpt({
    ...options,
    save: targets.get('save'),
    exportOnnx: targets.get('export-onnx'),
    onModel: (parameters) => console.log(`number of parameters: ${(parameters / 1e6).toFixed(2)}M`),
    onEval: ({ iter, trainLoss, valLoss }) => console.log(`step ${iter}: train loss ${trainLoss.toFixed(4)}, val loss ${valLoss.toFixed(4)}`),
    onLog: ({ iter, loss, ms }) => console.log(`iter ${iter}: loss ${loss.toFixed(4)}, time ${ms.toFixed(2)}ms`),
    onSave: (_iter, outcome) => {
      if (outcome.error === undefined) console.log(`saving checkpoint to ${options.save}`);
    },
  });
  const timing = `${result.iterations} iterations in ${result.trainSeconds.toFixed(1)} s (${result.msPerIter.toFixed(2)} ms/iter median, ${result.tokensPerSecond.toFixed(0)} tokens/s)`;
  console.log(`${timing} on '${result.backend}', best val loss ${result.bestValLoss?.toFixed(4) ?? 'not estimated'}, peak RSS ${result.peakRssMB.toFixed(0)} MB`);
  let allWritten = true;
  if (options.save && result.saved) allWritten = reportOutcome('save', options.save, result.saved, 'the checkpoint');
  if (options.exportOnnx && result.exported) allWritten = reportOutcome('export-onnx', options.exportOnnx, result.exported, 'the ONNX model') && allWritten;
  const report = targets.get('report');
  if (options.report && report) {
    const text = `${JSON.stringify(result, null, 2)}\n`;
    allWritten = reportOutcome('report', options.report, await writeWithFallback(report, (path) => writeTextAtomically(path, text)), 'the report') && allWritten;
  }
  const plot = targets.get('plot');
  if (options.plot && plot) {
    const svg = gptPlot(result);
    allWritten = reportOutcome('plot', options.plot, await writeWithFallback(plot, (path) => writeTextAtomically(path, svg)), 'the curves') && allWritten;
  }
  return allWritten ? 0 : 1;
}
