import { shapeSize, type ArgReduceOp, type KernelConfig, type ReduceOp, type View } from '@kindling/tensor';
import type { GpuJsBackend, GpuJsStorage } from '../gpujs-backend.js';
import type { KernelSource, KernelThis } from '../gpujs.js';
import { dimsLast, layoutKey, offsetTable } from '../strided.js';
import { allocate } from '../values.js';
import { BOOL_REASON, INT32_REASON, NAN_REASON, onCpu } from './fallback.js';

/*
 * Each thread reduces one run: the reduced dims are moved last (a view, no copy) and the constant
 * `offsets` lists the storage offset of every element in that order, so output element o reads
 * offsets[o * run .. (o + 1) * run).
 */

export type RunThread = KernelThis<{ run: number; offsets: Float32Array }>;

export const reduceKernels: Record<ReduceOp, KernelSource> = {
  sum: function (this: RunThread, x: Float32Array) {
    const start = this.thread.x * this.constants.run;
    let sum = 0;
    for (let p = 0; p < this.constants.run; p++) {
      const at = this.constants.offsets[start + p] as number;
      sum += x[at] as number;
    }
    return sum;
  },
  mean: function (this: RunThread, x: Float32Array) {
    const start = this.thread.x * this.constants.run;
    let sum = 0;
    for (let p = 0; p < this.constants.run; p++) {
      const at = this.constants.offsets[start + p] as number;
      sum += x[at] as number;
    }
    return sum / this.constants.run;
  },
  // max and min propagate NaN: once `best` is NaN no comparison replaces it.
  max: function (this: RunThread, x: Float32Array) {
    const start = this.thread.x * this.constants.run;
    const first = this.constants.offsets[start] as number;
    let best = x[first] as number;
    for (let p = 1; p < this.constants.run; p++) {
      const at = this.constants.offsets[start + p] as number;
      const value = x[at] as number;
      if (value !== value || value > best) best = value;
    }
    return best;
  },
  min: function (this: RunThread, x: Float32Array) {
    const start = this.thread.x * this.constants.run;
    const first = this.constants.offsets[start] as number;
    let best = x[first] as number;
    for (let p = 1; p < this.constants.run; p++) {
      const at = this.constants.offsets[start + p] as number;
      const value = x[at] as number;
      if (value !== value || value < best) best = value;
    }
    return best;
  },
};

// The index of the first extreme; a NaN counts as the extreme and stops the search, as in PyTorch.
const argReduceKernels: Record<ArgReduceOp, KernelSource> = {
  argmax: function (this: RunThread, x: Float32Array) {
    const start = this.thread.x * this.constants.run;
    const first = this.constants.offsets[start] as number;
    let best = x[first] as number;
    let bestIndex = 0;
    for (let p = 1; p < this.constants.run; p++) {
      const at = this.constants.offsets[start + p] as number;
      const value = x[at] as number;
      if (best === best && (value !== value || value > best)) {
        best = value;
        bestIndex = p;
      }
    }
    return bestIndex;
  },
  argmin: function (this: RunThread, x: Float32Array) {
    const start = this.thread.x * this.constants.run;
    const first = this.constants.offsets[start] as number;
    let best = x[first] as number;
    let bestIndex = 0;
    for (let p = 1; p < this.constants.run; p++) {
      const at = this.constants.offsets[start + p] as number;
      const value = x[at] as number;
      if (best === best && (value !== value || value < best)) {
        best = value;
        bestIndex = p;
      }
    }
    return bestIndex;
  },
};

/** Runs `source` once per run of `x` over `dims`, the output (of `dtype`) dropping them. */
function reduceRuns(backend: GpuJsBackend, name: string, source: KernelSource, x: View<GpuJsStorage>, dims: readonly number[], dtype: 'float32' | 'int32'): GpuJsStorage {
  const run = dims.reduce((product, d) => product * (x.shape[d] as number), 1);
  const size = shapeSize(x.shape.filter((_, d) => !dims.includes(d)));
  if (size === 0) return backend.adopt(dtype, 0, allocate(dtype, 0));
  const settings = () => {
    const moved = dimsLast(x, dims);
    return { output: [size], loopMaxIterations: Math.max(run, 1), constants: { run, offsets: offsetTable(moved.shape, moved.strides, x.offset) } };
  };
  const key = `${name}|${layoutKey(x)}|${dims.join(',')}`;
  return backend.adopt(dtype, size, backend.run(key, source, settings, [backend.deviceArgument(x.storage)]));
}

export const reduceConfig: KernelConfig<'Reduce', GpuJsBackend> = {
  kernelName: 'Reduce',
  backendName: 'gpujs',
  kernelFunc: (backend, { x, dims, op }) => {
    const nanSensitive = !backend.nanAware && (op === 'max' || op === 'min');
    if (x.dtype !== 'float32' || nanSensitive) {
      const size = shapeSize(x.shape.filter((_, d) => !dims.includes(d)));
      const dtype = x.dtype === 'bool' && op === 'sum' ? 'int32' : x.dtype;
      const reason = nanSensitive ? NAN_REASON : dtype === 'int32' ? INT32_REASON : BOOL_REASON;
      return onCpu(backend, 'Reduce', reason, { x, dims, op }, { dtype, size });
    }
    return reduceRuns(backend, `Reduce|${op}`, reduceKernels[op], x, dims, 'float32');
  },
};

export const argReduceConfig: KernelConfig<'ArgReduce', GpuJsBackend> = {
  kernelName: 'ArgReduce',
  backendName: 'gpujs',
  kernelFunc: (backend, { x, dim, op }) => {
    if (x.dtype !== 'float32' || !backend.nanAware) {
      const size = shapeSize(x.shape.filter((_, d) => d !== dim));
      return onCpu(backend, 'ArgReduce', backend.nanAware ? INT32_REASON : NAN_REASON, { x, dim, op }, { dtype: 'int32', size });
    }
    // Indices are exact in float32, so this int32 result may stay on the device.
    return reduceRuns(backend, `ArgReduce|${op}`, argReduceKernels[op], x, [dim], 'int32');
  },
};
