import type { TypedArray } from '../../../dtype.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import { contiguousStrides } from '../../../shape.js';
import type { CpuBackend } from '../cpu-backend.js';
import { emptyLike, inputOffsets, moveDimsLast, permuteInput, type StridedInput, stridedInput, stridedOffsets } from '../strided.js';

/**
 * Softmax (or log-softmax when `log`) of the floating-point `x` along `dim`, with the same shape
 * and dtype. The max along `dim` is subtracted first so exp never overflows; log-softmax is
 * `x - max - log(Σ exp(x - max))` rather than the log of a softmax that may have underflowed to 0.
 */
export function softmaxImpl(x: StridedInput, dim: number, log: boolean): TypedArray {
  const order = moveDimsLast(x.shape.length, [dim]);
  const source = inputOffsets(permuteInput(x, order));
  // The output is row-major in x's own dim order, so its offsets are walked in the same permuted order.
  const outStrides = contiguousStrides(x.shape);
  const target = stridedOffsets(
    order.map((d) => x.shape[d] as number),
    order.map((d) => outStrides[d] as number),
    0,
  );
  const run = x.shape[dim] as number;
  const v = x.values;
  const out = emptyLike(v, source.length);
  for (let start = 0; start < source.length; start += run) {
    const end = start + run;
    let max = -Infinity;
    for (let p = start; p < end; p++) max = Math.max(max, v[source[p] as number] as number);
    let sum = 0;
    for (let p = start; p < end; p++) sum += Math.exp((v[source[p] as number] as number) - max);
    if (log) {
      const logSum = Math.log(sum);
      for (let p = start; p < end; p++) out[target[p] as number] = (v[source[p] as number] as number) - max - logSum;
    } else {
      for (let p = start; p < end; p++) out[target[p] as number] = Math.exp((v[source[p] as number] as number) - max) / sum;
    }
  }
  return out;
}

export const softmaxConfig: KernelConfig<'Softmax', CpuBackend> = {
  kernelName: 'Softmax',
  backendName: 'cpu',
  kernelFunc: (backend, { x, dim, log }) => backend.adopt(softmaxImpl(stridedInput(x), dim, log)),
};
