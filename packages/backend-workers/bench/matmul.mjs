// GFLOP/s of the tutorial's three matmul shapes, with the layouts autograd hands the kernel:
//   forward  x·Wᵀ  [128×784]·[784×512]  (b is W [512×784] transposed: a strided view, no copy)
//   dW       xᵀ·g  [784×128]·[128×512]  (a is x [128×784] transposed)
//   dX       g·W   [128×512]·[512×784]  (b is (Wᵀ)ᵀ: W itself, row-major)
// on the workers backend (all threads, and one thread) and on cpu.
//
// Usage: node packages/backend-workers/bench/matmul.mjs [--reps 50] [--json]
// (--single: workers only, as the one-thread child run does.)
// Needs `pnpm build` first. Prints a markdown table, or one JSON object with --json.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { registerWorkersBackend, WorkersBackend } from '@kindling/backend-workers';
import { manualSeed, matmul, randn, setBackend } from '@kindling/tensor';

const run = promisify(execFile);
const { values } = parseArgs({
  options: { reps: { type: 'string', default: '50' }, json: { type: 'boolean', default: false }, single: { type: 'boolean', default: false } },
});
const reps = Number(values.reps);

const SHAPES = [
  { name: 'forward x·Wᵀ 128×784×512', make: (device) => [randn([128, 784], { device }), randn([512, 784], { device }).transpose(0, 1)] },
  { name: 'dW xᵀ·g 784×128×512', make: (device) => [randn([128, 784], { device }).transpose(0, 1), randn([128, 512], { device })] },
  { name: 'dX g·W 128×512×784', make: (device) => [randn([128, 512], { device }), randn([512, 784], { device }).transpose(0, 1).transpose(0, 1)] },
];

function median(xs) {
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median GFLOP/s of `count` products on `device`, after a warm-up that lets V8 tier the code up. */
function measure(shape, device, count) {
  const [a, b] = shape.make(device);
  const flops = 2 * a.shape[0] * a.shape[1] * b.shape[1];
  for (let i = 0; i < Math.min(count, 20); i++) matmul(a, b).dispose();
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    matmul(a, b).dispose();
    times.push(performance.now() - started);
  }
  a.dispose();
  b.dispose();
  const ms = median(times);
  return { ms, gflops: flops / ms / 1e6 };
}

manualSeed(0);
registerWorkersBackend();
const workers = await setBackend('workers');
// Let the pool's workers come up, so the first products are not computed by the caller alone.
await new Promise((resolve) => setTimeout(resolve, 300));
const threads = workers instanceof WorkersBackend ? workers.threads : 1;
const rows = SHAPES.map((shape) => ({ shape: shape.name, workers: measure(shape, 'workers', reps) }));
if (!values.single) {
  rows.forEach((row, i) => (row.cpu = measure(SHAPES[i], 'cpu', Math.max(3, Math.round(reps / 20)))));
  // The single-thread kernel speed, from a child process limited to one thread.
  const child = await run(process.execPath, [fileURLToPath(import.meta.url), '--single', '--json', '--reps', String(reps)], {
    env: { ...process.env, KINDLING_THREADS: '1' },
  });
  JSON.parse(child.stdout).shapes.forEach((row, i) => (rows[i].workers1 = row.workers));
}

const relaxedSimd = workers instanceof WorkersBackend && workers.relaxedSimd;
if (values.json) {
  console.log(JSON.stringify({ threads, relaxedSimd, reps, shapes: rows }));
} else {
  console.log(`workers kernels: ${relaxedSimd ? 'relaxed SIMD (fused multiply-add)' : 'plain 128-bit SIMD'}\n`);
  console.log(`| matmul | workers, ${threads} threads: GFLOP/s (ms) | workers, 1 thread: GFLOP/s | cpu: GFLOP/s |`);
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.shape} | ${r.workers.gflops.toFixed(1)} (${r.workers.ms.toFixed(2)}) | ${r.workers1.gflops.toFixed(1)} | ${r.cpu.gflops.toFixed(2)} |`);
}
