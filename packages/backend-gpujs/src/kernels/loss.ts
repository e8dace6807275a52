import { shapeSize, type KernelConfig, type View } from '@kindling/tensor';
import type { GpuJsBackend, GpuJsStorage } from '../gpujs-backend.js';
import type { DeviceValue, KernelThis } from '../gpujs.js';
import { layoutKey, offsetTable } from '../strided.js';
import { allocate, type Pending } from '../values.js';
import { onCpu } from './fallback.js';
import { reduceKernels } from './reduce.js';
import { runLogSumExp } from './softmax.js';

/*
 * Softmax cross-entropy on softmax's row max and log Σ exp(x - max) kernels (softmax.ts), then one
 * thread per row (the loss) or per element (the gradient). Logits are [n, c] and targets 1-D, so
 * kernels find elements from the strides, as matmul.ts does, rather than through offset tables:
 * WebGPU binds at most 8 storage buffers to a kernel, and every table is one.
 *
 * Targets reach gpu.js as float32, like indices (exact below 2^24). The op layer rejects a target
 * outside [0, c) that is not ignoreIndex where it can read the targets; in webgpu mode it cannot,
 * so such a row reads `invalid` (NaN, an argument because gpu.js has no NaN literal) rather than
 * memory outside its row.
 */

/** Why cross-entropy with an ignoreIndex that float32 cannot tell apart from other targets runs on the cpu kernels. */
const IGNORE_INDEX_REASON = 'an ignoreIndex of magnitude 2^24 or more cannot be told apart from nearby targets in float32, where gpu.js compares them';

/**
 * Integers below this magnitude are exact in float32, and no other int32 rounds to one of them; at
 * 2^24 itself, 2^24 + 1 rounds to 2^24.
 */
const FLOAT32_EXACT = 2 ** 24;

/** Where row i of the logits starts (rowBase + i * rowStride) and where its target is. A type, not an interface: gpu.js constants are a record. */
type RowLayout = {
  rowBase: number;
  rowStride: number;
  classStep: number;
  classes: number;
  targetBase: number;
  targetStep: number;
};

function rowLayout(logits: View, target: View): RowLayout {
  return {
    rowBase: logits.offset,
    rowStride: logits.strides[0] as number,
    classStep: logits.strides[1] as number,
    classes: logits.shape[1] as number,
    targetBase: target.offset,
    targetStep: target.strides[0] as number,
  };
}

/** Row i's loss: logsumexp(logits[i]) - logits[i][target[i]], 0 where ignored. */
const rowLoss = function (this: KernelThis<RowLayout>, x: Float32Array, max: Float32Array, logSum: Float32Array, target: Float32Array, ignoreIndex: number, invalid: number) {
  const row = this.thread.x;
  const label = target[this.constants.targetBase + row * this.constants.targetStep] as number;
  if (label === ignoreIndex) return 0;
  if (label < 0 || label >= this.constants.classes) return invalid;
  const picked = x[this.constants.rowBase + row * this.constants.rowStride + label * this.constants.classStep] as number;
  // max - picked first: exact for nearby values, where max + logSum would round logSum to max's ulp.
  return (max[row] as number) - picked + (logSum[row] as number);
};

type KeptThread = KernelThis<{ count: number; start: number; step: number; rows: number; targetBase: number; targetStep: number }>;

/**
 * The sum of `count` elements of x from `start` by `step`, over the number of rows whose target is
 * not ignoreIndex: 'mean''s loss, and its gradient's scale. `invalid` (NaN) when every row is
 * ignored, since a GPU's 0 / 0 need not be NaN.
 */
const overKept = function (this: KeptThread, x: Float32Array, target: Float32Array, ignoreIndex: number, invalid: number) {
  let sum = 0;
  for (let p = 0; p < this.constants.count; p++) sum += x[this.constants.start + p * this.constants.step] as number;
  let kept = 0;
  for (let i = 0; i < this.constants.rows; i++) {
    if ((target[this.constants.targetBase + i * this.constants.targetStep] as number) !== ignoreIndex) kept += 1;
  }
  if (kept === 0) return invalid;
  return sum / kept;
};

type GradThread = KernelThis<RowLayout & { gradBase: number; gradStep: number }>;

/**
 * One element of the [n, c] gradient, g · (softmax - onehot): thread.x is the class, thread.y the
 * row (as in matmul.ts), and g is grad[gradBase + row * gradStep].
 */
const gradElement = function (
  this: GradThread,
  x: Float32Array,
  max: Float32Array,
  logSum: Float32Array,
  target: Float32Array,
  grad: Float32Array,
  ignoreIndex: number,
  invalid: number,
) {
  const row = this.thread.y;
  const label = target[this.constants.targetBase + row * this.constants.targetStep] as number;
  if (label === ignoreIndex) return 0;
  if (label < 0 || label >= this.constants.classes) return invalid;
  const at = this.constants.rowBase + row * this.constants.rowStride + this.thread.x * this.constants.classStep;
  const shifted = (x[at] as number) - (max[row] as number) - (logSum[row] as number);
  // As in elementwise.ts's exp: some GPUs' exp of NaN is Infinity.
  const probability = shifted !== shifted ? shifted : Math.exp(shifted);
  const hot = this.thread.x === label ? 1 : 0;
  const g = grad[this.constants.gradBase + row * this.constants.gradStep] as number;
  return g * (probability - hot);
};

/** `overKept` over `count` elements of `x` from `start` by `step`, in one thread. */
function meanOverKept(
  backend: GpuJsBackend,
  key: string,
  x: Pending<DeviceValue>,
  window: { count: number; start: number; step: number },
  target: View<GpuJsStorage>,
  ignoreIndex: number,
): Pending<DeviceValue> {
  const rows = target.shape[0] as number;
  const settings = () => ({
    output: [1],
    loopMaxIterations: Math.max(window.count, rows),
    constants: { ...window, rows, targetBase: target.offset, targetStep: target.strides[0] as number },
  });
  return backend.run(key, overKept, settings, [x, backend.deviceArgument(target.storage), ignoreIndex, Number.NaN]);
}

export const crossEntropyConfig: KernelConfig<'CrossEntropy', GpuJsBackend> = {
  kernelName: 'CrossEntropy',
  backendName: 'gpujs',
  kernelFunc: (backend, { logits, target, ignoreIndex, reduction }) => {
    const rows = logits.shape[0] as number;
    const size = reduction === 'none' ? rows : 1;
    if (Math.abs(ignoreIndex) >= FLOAT32_EXACT) {
      return onCpu(backend, 'CrossEntropy', IGNORE_INDEX_REASON, { logits, target, ignoreIndex, reduction }, { dtype: logits.dtype, size });
    }
    // No rows: nothing to launch ('mean' over no rows is 0 / 0).
    if (rows === 0) return backend.adopt(logits.dtype, size, reduction === 'mean' ? Float32Array.of(Number.NaN) : allocate(logits.dtype, size));
    const { input, max, logSum } = runLogSumExp(backend, 'CrossEntropy', logits, 1);
    const settings = () => ({ output: [rows], constants: rowLayout(logits, target) });
    const args = [input, max, logSum, backend.deviceArgument(target.storage), ignoreIndex, Number.NaN];
    const losses = backend.run(`CrossEntropy|rows|${layoutKey(logits)}|${layoutKey(target)}`, rowLoss, settings, args);
    if (reduction === 'none') return backend.adopt(logits.dtype, rows, backend.freeAfter(losses, [max, logSum]));
    const sumSettings = () => ({ output: [1], loopMaxIterations: rows, constants: { run: rows, offsets: offsetTable([rows], [1], 0) } });
    const reduced =
      reduction === 'sum'
        ? backend.run(`CrossEntropy|sum|${rows}`, reduceKernels.sum, sumSettings, [losses])
        : meanOverKept(backend, `CrossEntropy|mean|${layoutKey(target)}`, losses, { count: rows, start: 0, step: 1 }, target, ignoreIndex);
    return backend.adopt(logits.dtype, 1, backend.freeAfter(reduced, [max, logSum, losses]));
  },
};

export const crossEntropyGradConfig: KernelConfig<'CrossEntropyGrad', GpuJsBackend> = {
  kernelName: 'CrossEntropyGrad',
  backendName: 'gpujs',
  kernelFunc: (backend, { logits, target, gradOutput, ignoreIndex, reduction }) => {
    const size = shapeSize(logits.shape);
    if (Math.abs(ignoreIndex) >= FLOAT32_EXACT) {
      return onCpu(backend, 'CrossEntropyGrad', IGNORE_INDEX_REASON, { logits, target, gradOutput, ignoreIndex, reduction }, { dtype: logits.dtype, size });
    }
    if (size === 0) return backend.adopt(logits.dtype, 0, allocate(logits.dtype, 0));
    const { input, max, logSum } = runLogSumExp(backend, 'CrossEntropyGrad', logits, 1);
    // 'mean' divides gradOutput by the kept rows once, in a one-thread kernel, and every row reads that.
    const gradKey = layoutKey(gradOutput);
    const gradArg = backend.deviceArgument(gradOutput.storage);
    const scale =
      reduction === 'mean'
        ? meanOverKept(backend, `CrossEntropyGrad|scale|${gradKey}|${layoutKey(target)}`, gradArg, { count: 1, start: gradOutput.offset, step: 0 }, target, ignoreIndex)
        : undefined;
    const settings = () => ({
      output: [logits.shape[1] as number, logits.shape[0] as number],
      constants: { ...rowLayout(logits, target), gradBase: scale ? 0 : gradOutput.offset, gradStep: reduction === 'none' ? (gradOutput.strides[0] as number) : 0 },
    });
    const args = [input, max, logSum, backend.deviceArgument(target.storage), scale ?? gradArg, ignoreIndex, Number.NaN];
    const key = `CrossEntropyGrad|${reduction}|${layoutKey(logits)}|${layoutKey(target)}|${gradKey}`;
    const out = backend.run(key, gradElement, settings, args);
    return backend.adopt(logits.dtype, size, backend.freeAfter(out, scale ? [max, logSum, scale] : [max, logSum]));
  },
};
