// GFLOP/s of the tutorial's three matmul shapes, for `pnpm bench`, with the layouts autograd uses:
//   forward  x·Wᵀ  [128×784]·[784×512]   dW  gᵀ·x  [512×128]·[128×784]   dX  g·W  [128×512]·[512×784]
// One implementation per call; prints a JSON object { name, shapes: [{ shape, ms, gflops }] }.
//
// Each row times the product until it is computed, as PyTorch's does: on backends that compute on
// the calling thread's memory (cpu, workers, tfjs wasm) the call returns with the result in place,
// and copying it out as well (1.6 MB for dW, a new JS array each time, and the collections that
// sets off: 0.1 to 0.6 ms) would time the copy, not the kernel. On a device (webgpu, gpujs) reading
// the result back is the one sign that the work is done, so their rows include it.
//
// Usage: node bench/matmul-shapes.mjs --impl kindling --backend workers | --impl tfjs | --impl pytorch
import { execFile } from 'node:child_process';
import { parseArgs, promisify } from 'node:util';
import { medianMs } from './timing.mjs';

const { values } = parseArgs({ options: { impl: { type: 'string' }, backend: { type: 'string', default: 'cpu' }, reps: { type: 'string', default: '30' } } });
const reps = Number(values.reps);
export const SHAPES = ['forward x·Wᵀ 128×784×512', 'dW gᵀ·x 512×128×784', 'dX g·W 128×512×784'];
const FLOPS = [2 * 128 * 784 * 512, 2 * 512 * 128 * 784, 2 * 128 * 512 * 784];

async function kindling(backendName) {
  const { registerBackends } = await import('@kindling/trainer');
  const { manualSeed, matmul, randn, setBackend } = await import('@kindling/tensor');
  registerBackends();
  await setBackend(backendName);
  manualSeed(0);
  const x = randn([128, 784]);
  const w = randn([512, 784]);
  const g = randn([128, 512]);
  const operands = [
    [x, w.transpose(0, 1)],
    [g.transpose(0, 1), x],
    [g, w],
  ];
  const count = backendName === 'cpu' ? 3 : reps;
  const onDevice = backendName === 'webgpu' || backendName === 'gpujs';
  const shapes = [];
  for (const [i, [a, b]] of operands.entries()) {
    const ms = await medianMs(async () => {
      const product = matmul(a, b);
      if (onDevice) await product.data();
      product.dispose();
    }, count);
    shapes.push({ shape: SHAPES[i], ms, gflops: FLOPS[i] / ms / 1e6 });
  }
  return { name: `kindling ${backendName}`, shapes };
}

async function tfjs() {
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  const x = tf.randomNormal([128, 784]);
  const w = tf.randomNormal([512, 784]);
  const g = tf.randomNormal([128, 512]);
  const products = [() => tf.matMul(x, w, false, true), () => tf.matMul(g, x, true, false), () => tf.matMul(g, w)];
  const shapes = [];
  for (const [i, product] of products.entries()) {
    // The wasm backend computes as the call runs, into its own memory.
    const ms = await medianMs(async () => {
      product().dispose();
    }, reps);
    shapes.push({ shape: SHAPES[i], ms, gflops: FLOPS[i] / ms / 1e6 });
  }
  return { name: `tensorflow.js ${tf.version.tfjs} wasm`, shapes };
}

const PYTORCH = `
import json, statistics, time, torch
x, w, g = torch.randn(128, 784), torch.randn(512, 784), torch.randn(128, 512)
products = [lambda: x @ w.t(), lambda: g.t() @ x, lambda: g @ w]
flops = [2 * 128 * 784 * 512, 2 * 512 * 128 * 784, 2 * 128 * 512 * 784]
names = ${JSON.stringify(SHAPES)}
shapes = []
for name, product, f in zip(names, products, flops):
    for _ in range(10): product()
    times = []
    for _ in range(${reps}):
        t0 = time.perf_counter(); product(); times.append((time.perf_counter() - t0) * 1000)
    ms = statistics.median(times)
    shapes.append({"shape": name, "ms": ms, "gflops": f / ms / 1e6})
print(json.dumps({"name": f"pytorch {torch.__version__} cpu ({torch.get_num_threads()} thread)", "shapes": shapes}))
`;

async function pytorch() {
  const { stdout } = await promisify(execFile)(process.env.PYTHON ?? '/usr/bin/python3', ['-c', PYTORCH]);
  return JSON.parse(stdout);
}

const result = values.impl === 'tfjs' ? await tfjs() : values.impl === 'pytorch' ? await pytorch() : await kindling(values.backend);
console.log(JSON.stringify(result));
process.exit(0);
