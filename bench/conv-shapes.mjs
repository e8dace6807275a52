// GFLOP/s of the cnn's two convolutions at batch 64, for `pnpm bench`, each counted as
// 2·N·Cout·Hout·Wout·Cin·kH·kW floating-point operations for its forward, its input gradient (dX)
// and its weight gradient (dW) alike:
//   conv1  [64, 1, 28, 28] → [64, 32, 26, 26], 3×3     conv2  [64, 32, 26, 26] → [64, 64, 24, 24], 3×3
// No bias (it is not in the count). conv1's dX is not needed in training (the images need no
// gradient); it is measured for completeness.
//
// What each column times:
// - Kindling: fwd is F.conv2d on tensors that need no gradient (im2col, then one matmul). dX and
//   dW are the backward alone: the forward is recorded once with only the input (dX) or only the
//   weight (dW) requiring grad, then each timed call is `y.backward(dY, { retainGraph: true })` up to
//   reading that one gradient back; nothing is subtracted.
// - PyTorch: F.conv2d, torch.nn.grad.conv2d_input and conv2d_weight (both aten.convolution_backward
//   for one output, as autograd runs it).
// - TensorFlow.js (NHWC): tf.conv2d; tf.conv2dTranspose, which is the Conv2DBackpropInput kernel
//   that tf.conv2d's gradient runs; and that gradient's Conv2DBackpropFilter kernel through
//   tf.engine().runKernel, since no public op wraps it. The wasm backend has no such kernel.
//
// One implementation per call, timed `--reps` times after `--warm-up` calls (default min(reps, 10));
// prints a JSON object { name, calls, shapes: [{ shape, ms, gflops }] }, with `unavailable` instead
// of `ms` and `gflops` where an implementation cannot run a column. On Kindling's cpu and gpujs a
// conv2 call takes seconds, and on TensorFlow.js's cpu minutes: `pnpm bench` gives those fewer reps.
//
// Usage: node bench/conv-shapes.mjs --impl kindling --backend workers | --impl tfjs [--backend wasm|cpu] | --impl pytorch
//   [--reps 30] [--warm-up 10]
import { execFile } from 'node:child_process';
import { parseArgs, promisify } from 'node:util';
import { medianMs } from './timing.mjs';

const { values } = parseArgs({
  options: { impl: { type: 'string' }, backend: { type: 'string' }, reps: { type: 'string', default: '30' }, 'warm-up': { type: 'string' } },
});
const reps = Number(values.reps);
const warmUp = values['warm-up'] === undefined ? Math.min(reps, 10) : Number(values['warm-up']);
const CONVS = [
  { name: 'conv1', input: [64, 1, 28, 28], weight: [32, 1, 3, 3], output: [64, 32, 26, 26] },
  { name: 'conv2', input: [64, 32, 26, 26], weight: [64, 32, 3, 3], output: [64, 64, 24, 24] },
];
const flopsOf = ({ weight: [, inChannels, kh, kw], output: [n, outChannels, oh, ow] }) => 2 * n * outChannels * oh * ow * inChannels * kh * kw;

/** One row of the result: the median ms of `work` as GFLOP/s of `conv`, or why it cannot run. */
async function measure(conv, pass, work) {
  const shape = `${conv.name} ${pass}`;
  if (typeof work === 'string') return { shape, unavailable: work };
  const ms = await medianMs(work, reps, warmUp);
  return { shape, ms, gflops: flopsOf(conv) / ms / 1e6 };
}

async function kindling(backendName) {
  const { registerBackends } = await import('@kindling/trainer');
  const { Variable } = await import('@kindling/autograd');
  const { functional: F } = await import('@kindling/nn');
  const { manualSeed, randn, setBackend, tidy } = await import('@kindling/tensor');
  registerBackends();
  await setBackend(backendName);
  manualSeed(0);
  /** The backward of a recorded conv into `leaf` alone (the other operand needs no grad), as a function to time. */
  const gradientOf = async (leaf, output, dY) => {
    await output.data.data();
    return async () => {
      output.backward(dY, { retainGraph: true });
      await leaf.grad.data();
      leaf.grad.dispose();
      leaf.grad = null;
    };
  };
  const shapes = [];
  for (const conv of CONVS) {
    const [x, w, dY] = [randn(conv.input), randn(conv.weight), randn(conv.output)];
    const forward = async () => {
      const y = tidy(() => F.conv2d(x, w).data);
      await y.data();
      y.dispose();
    };
    const input = new Variable(x, { requiresGrad: true });
    const weight = new Variable(w, { requiresGrad: true });
    shapes.push(await measure(conv, 'fwd', forward));
    shapes.push(await measure(conv, 'dX', await gradientOf(input, F.conv2d(input, w), dY)));
    shapes.push(await measure(conv, 'dW', await gradientOf(weight, F.conv2d(x, weight), dY)));
  }
  return { name: `kindling ${backendName}`, calls: reps, shapes };
}

async function tfjs(backendName) {
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend(backendName);
  await tf.ready();
  const nhwc = ([n, c, h, w]) => [n, h, w, c];
  const timed = (product) => async () => {
    const out = product();
    await out.data();
    out.dispose();
  };
  const shapes = [];
  for (const conv of CONVS) {
    const [outChannels, inChannels, kh, kw] = conv.weight;
    const filterShape = [kh, kw, inChannels, outChannels];
    const [x, filter, dy] = [tf.randomNormal(nhwc(conv.input)), tf.randomNormal(filterShape), tf.randomNormal(nhwc(conv.output))];
    const hasFilterGradient = tf.getKernel(tf.Conv2DBackpropFilter, backendName) !== undefined;
    const filterGradient = () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape });
    shapes.push(await measure(conv, 'fwd', timed(() => tf.conv2d(x, filter, 1, 'valid'))));
    shapes.push(await measure(conv, 'dX', timed(() => tf.conv2dTranspose(dy, filter, x.shape, 1, 'valid'))));
    shapes.push(await measure(conv, 'dW', hasFilterGradient ? timed(filterGradient) : `no Conv2DBackpropFilter kernel on ${backendName}`));
  }
  return { name: `tensorflow.js ${tf.version.tfjs} ${backendName}`, calls: reps, shapes };
}

const PYTORCH = `
import json, statistics, time, torch
import torch.nn.functional as F
from torch.nn.grad import conv2d_input, conv2d_weight
convs = ${JSON.stringify(CONVS.map((conv) => ({ ...conv, flops: flopsOf(conv) })))}
shapes = []
for conv in convs:
    x, w, g = torch.randn(conv["input"]), torch.randn(conv["weight"]), torch.randn(conv["output"])
    passes = {"fwd": lambda: F.conv2d(x, w), "dX": lambda: conv2d_input(x.shape, w, g), "dW": lambda: conv2d_weight(x, w.shape, g)}
    for name, work in passes.items():
        for _ in range(${warmUp}): work()
        times = []
        for _ in range(${reps}):
            t0 = time.perf_counter(); work(); times.append((time.perf_counter() - t0) * 1000)
        ms = statistics.median(times)
        shapes.append({"shape": f"{conv['name']} {name}", "ms": ms, "gflops": conv["flops"] / ms / 1e6})
threads = torch.get_num_threads()
print(json.dumps({"name": f"pytorch {torch.__version__} cpu ({threads} thread{'s' if threads > 1 else ''})", "calls": ${reps}, "shapes": shapes}))
`;

async function pytorch() {
  const { stdout } = await promisify(execFile)(process.env.PYTHON ?? '/usr/bin/python3', ['-c', PYTORCH]);
  return JSON.parse(stdout);
}

const result = values.impl === 'tfjs' ? await tfjs(values.backend ?? 'wasm') : values.impl === 'pytorch' ? await pytorch() : await kindling(values.backend ?? 'cpu');
console.log(JSON.stringify(result));
process.exit(0);
