import { allocateTypedArray, dtypeOfTypedArray, INT32_MAX, INT32_MIN, type DType, type TypedArray } from '../../../dtype.js';
import type { ArgReduceOp, ReduceOp } from '../../../kernel-names.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import { shapeSize, type Shape } from '../../../shape.js';
import type { CpuBackend } from '../cpu-backend.js';
import { inputOffsets, moveDimsLast, permuteInput, type StridedInput, stridedInput } from '../strided.js';

/**
 * The offsets of `x` with `dims` moved last, so that output element `o` reads the contiguous run
 * `offsets[o * run .. (o + 1) * run)`, plus the output shape (the other dims, in order).
 */
function runsOver(x: StridedInput, dims: readonly number[]): { offsets: Int32Array; outShape: Shape; run: number } {
  const offsets = inputOffsets(permuteInput(x, moveDimsLast(x.shape.length, dims)));
  const outShape = x.shape.filter((_, d) => !dims.includes(d));
  let run = 1;
  for (const d of dims) run *= x.shape[d] as number;
  return { offsets, outShape, run };
}

/** The dtype `reduceImpl` returns: `x`'s, except that summing bools counts them in int32. */
export function reduceOutputDType(op: ReduceOp, dtype: DType): DType {
  return dtype === 'bool' && op === 'sum' ? 'int32' : dtype;
}

/**
 * Reduces `x` over `dims` (sorted, non-empty); the output drops them. Sums are accumulated in float64
 * whatever the dtype; mean divides by the count; max and min propagate NaN.
 */
export function reduceImpl(op: ReduceOp, x: StridedInput, dims: readonly number[]): TypedArray {
  const { offsets, outShape, run } = runsOver(x, dims);
  const outSize = shapeSize(outShape);
  const out = allocateTypedArray(reduceOutputDType(op, dtypeOfTypedArray(x.values)), outSize);
  const v = x.values;
  if (op === 'sum' || op === 'mean') {
    const divisor = op === 'mean' ? run : 1;
    // Integer sums are exact in float64 up to 2^53; one that int32 cannot hold is an error, not a wrapped value.
    const integerSum = out instanceof Int32Array;
    for (let o = 0, p = 0; o < outSize; o++) {
      let sum = 0;
      for (const end = p + run; p < end; p++) sum += v[offsets[p] as number] as number;
      if (integerSum && (sum < INT32_MIN || sum > INT32_MAX)) {
        throw new RangeError(`sum: the integer sum ${sum} does not fit int32 (${INT32_MIN} to ${INT32_MAX}); sum a float64 copy instead: t.double().sum()`);
      }
      out[o] = sum / divisor;
    }
    return out;
  }
  const isMax = op === 'max';
  for (let o = 0; o < outSize; o++) {
    const start = o * run;
    // An empty run has no extreme; the op layer rejects it, NaN marks it should one get here.
    let best = run === 0 ? NaN : (v[offsets[start] as number] as number);
    for (let p = start + 1, end = start + run; p < end && best === best; p++) {
      const value = v[offsets[p] as number] as number;
      if (value !== value || (isMax ? value > best : value < best)) best = value;
    }
    out[o] = best;
  }
  return out;
}

/**
 * int32 index along `dim` of the first maximum (argmax) or minimum (argmin); the output drops `dim`.
 * NaN counts as the extreme, as in PyTorch, so the first NaN wins.
 */
export function argReduceImpl(op: ArgReduceOp, x: StridedInput, dim: number): Int32Array {
  const { offsets, outShape, run } = runsOver(x, [dim]);
  const outSize = shapeSize(outShape);
  const out = new Int32Array(outSize);
  const v = x.values;
  const isMax = op === 'argmax';
  for (let o = 0; o < outSize; o++) {
    const start = o * run;
    let best = v[offsets[start] as number] as number;
    let bestIndex = 0;
    for (let j = 1; j < run && best === best; j++) {
      const value = v[offsets[start + j] as number] as number;
      // Strict comparisons keep the first of tied extremes.
      if (value !== value || (isMax ? value > best : value < best)) {
        best = value;
        bestIndex = j;
      }
    }
    out[o] = bestIndex;
  }
  return out;
}

export const reduceConfig: KernelConfig<'Reduce', CpuBackend> = {
  kernelName: 'Reduce',
  backendName: 'cpu',
  kernelFunc: (backend, { x, dims, op }) => backend.adopt(reduceImpl(op, stridedInput(x), dims)),
};

export const argReduceConfig: KernelConfig<'ArgReduce', CpuBackend> = {
  kernelName: 'ArgReduce',
  backendName: 'cpu',
  kernelFunc: (backend, { x, dim, op }) => backend.adopt(argReduceImpl(op, stridedInput(x), dim)),
};
