import { contiguousStrides, shapeSize, type KernelConfig, type View } from '@kindling/tensor';
import type { GpuJsBackend, GpuJsStorage } from '../gpujs-backend.js';
import type { DeviceValue, KernelThis } from '../gpujs.js';
import { dimsLast, layoutKey, offsetTable } from '../strided.js';
import { allocate, type Pending } from '../values.js';
import { reduceKernels, type RunThread } from './reduce.js';

/*
 * Softmax along `dim` in three small kernels: the max of each run (reduce.ts's), then each run's
 * log Σ exp(x - max), then every element. The max is subtracted before exp so nothing overflows,
 * and log-softmax is (x - max) - logSum rather than the log of a softmax that may have underflowed.
 */

const logSumExp = function (this: RunThread, x: Float32Array, max: Float32Array) {
  const start = this.thread.x * this.constants.run;
  const shift = max[this.thread.x] as number;
  let sum = 0;
  for (let p = 0; p < this.constants.run; p++) {
    const at = this.constants.offsets[start + p] as number;
    sum += Math.exp((x[at] as number) - shift);
  }
  return Math.log(sum);
};

/** A run's statistics: the max, and log Σ exp(x - max), one value per run. */
export interface RunStatistics {
  /** x's storage as a kernel argument (not a temporary). */
  input: Pending<DeviceValue>;
  max: Pending<DeviceValue>;
  logSum: Pending<DeviceValue>;
}

/**
 * Each run's max along `dim` of the non-empty `x`, and its log Σ exp(x - max), in the order of the
 * other dims, for softmax and cross-entropy. The caller frees `max` and `logSum`. `name` (the
 * kernel) prefixes the cache keys, so a gpu.js fallback is recorded under it.
 */
export function runLogSumExp(backend: GpuJsBackend, name: string, x: View<GpuJsStorage>, dim: number): RunStatistics {
  const run = x.shape[dim] as number;
  const runs = shapeSize(x.shape) / run;
  const key = `${layoutKey(x)}|${dim}`;
  const input = backend.deviceArgument(x.storage);
  const settings = () => {
    const moved = dimsLast(x, [dim]);
    return { output: [runs], loopMaxIterations: run, constants: { run, offsets: offsetTable(moved.shape, moved.strides, x.offset) } };
  };
  const max = backend.run(`${name}|max|${key}`, reduceKernels.max, settings, [input]);
  const logSum = backend.run(`${name}|logsumexp|${key}`, logSumExp, settings, [input, max]);
  return { input, max, logSum };
}

/** `self` is each output element's offset in x's storage, `runOf` the run it belongs to. */
type ElementThread = KernelThis<{ self: Float32Array; runOf: Float32Array }>;

const softmaxElement = function (this: ElementThread, x: Float32Array, max: Float32Array, logSum: Float32Array) {
  const run = this.constants.runOf[this.thread.x] as number;
  const at = this.constants.self[this.thread.x] as number;
  return Math.exp((x[at] as number) - (max[run] as number) - (logSum[run] as number));
};

const logSoftmaxElement = function (this: ElementThread, x: Float32Array, max: Float32Array, logSum: Float32Array) {
  const run = this.constants.runOf[this.thread.x] as number;
  const at = this.constants.self[this.thread.x] as number;
  return (x[at] as number) - (max[run] as number) - (logSum[run] as number);
};

export const softmaxConfig: KernelConfig<'Softmax', GpuJsBackend> = {
  kernelName: 'Softmax',
  backendName: 'gpujs',
  kernelFunc: (backend, { x, dim, log }) => {
    const size = shapeSize(x.shape);
    if (size === 0) return backend.adopt(x.dtype, 0, allocate(x.dtype, 0));
    const { input, max, logSum } = runLogSumExp(backend, 'Softmax', x, dim);
    const key = `${layoutKey(x)}|${dim}`;
    const elementSettings = () => {
      // The run of each element is its row-major index over the other dims.
      const runStrides = contiguousStrides(x.shape.map((extent, d) => (d === dim ? 1 : extent))).map((stride, d) => (d === dim ? 0 : stride));
      return { output: [size], constants: { self: offsetTable(x.shape, x.strides, x.offset), runOf: offsetTable(x.shape, runStrides, 0) } };
    };
    const source = log ? logSoftmaxElement : softmaxElement;
    const out = backend.run(`Softmax|${log ? 'log' : 'exp'}|${key}`, source, elementSettings, [input, max, logSum]);
    return backend.adopt(x.dtype, size, backend.freeAfter(out, [max, logSum]));
  },
};
