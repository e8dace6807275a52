import { isFloatingDType } from '../dtype.js';
import type { ArgReduceOp, ReduceOp } from '../kernel-names.js';
import { formatShape, normalizeDim, normalizeDims, shapeSize } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './elementwise.js';
import { commonBackend, disposingAfter, runToTensor } from './support.js';
import { reshape } from './views.js';

export interface ValuesAndIndices {
  values: Tensor;
  indices: Tensor;
}

/** The shape after reducing `dims`, with each reduced dim kept as 1 or dropped. */
export function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  return keepdim ? shape.map((extent, d) => (dims.includes(d) ? 1 : extent)) : shape.filter((_, d) => !dims.includes(d));
}

function reduce(op: ReduceOp, x: Tensor, dim: number | readonly number[] | undefined, keepdim: boolean): Tensor {
  commonBackend(op, [x]);
  const dims = normalizeDims(dim, x.ndim, op);
  if ((op === 'max' || op === 'min') && dims.some((d) => x.shape[d] === 0)) {
    throw new Error(`${op}: cannot reduce an empty dimension (shape ${formatShape(x.shape)}); the result would have no value`);
  }
  const dtype = op === 'sum' && !isFloatingDType(x.dtype) ? 'int32' : x.dtype;
  const resultShape = reducedShape(x.shape, dims, keepdim);
  // An empty input reduces to PyTorch's constants (a sum of nothing is 0, a mean NaN; the result
  // itself is empty when a dim that is kept is 0), so no backend runs a kernel over no elements.
  if (x.numel() === 0) return runToTensor('Fill', x.backend, { size: shapeSize(resultShape), value: op === 'sum' ? 0 : NaN, dtype }, resultShape, dtype);
  const input = x.dtype === dtype ? x : cast(x, dtype);
  return disposingAfter([input], [x], () => {
    if (dims.length === 0) return runToTensor('Contiguous', x.backend, { x: input }, x.shape, dtype);
    const reduced = runToTensor('Reduce', x.backend, { x: input, dims, op }, reducedShape(x.shape, dims, false), dtype);
    if (!keepdim) return reduced;
    return disposingAfter([reduced], [], () => reshape(reduced, resultShape));
  });
}

/** Sum over every element, or over `dim` (one or several; negative counts from the end). Integer sums are int32. */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return reduce('sum', x, dim, keepdim);
}

/** Mean over every element or over `dim`; needs a floating-point tensor, as in PyTorch. */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  if (!isFloatingDType(x.dtype)) {
    throw new TypeError(`mean: needs a floating-point tensor, got ${x.dtype}; convert it with t.float() first`);
  }
  return reduce('mean', x, dim, keepdim);
}

function argReduce(op: ArgReduceOp, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  commonBackend(op, [x]);
  // As PyTorch: an empty tensor has no flattened argmax, nor one along an empty dim, but along a
  // non-empty dim its result is as empty as the other dims make it.
  if (x.numel() === 0 && dim === undefined) {
    throw new Error(`${op}: cannot take the ${op} of an empty tensor (shape ${formatShape(x.shape)}) without a dim; give the dim to reduce`);
  }
  if (dim === undefined) {
    const flat = reshape(x, [-1]);
    return disposingAfter([flat], [x], () => {
      const index = runToTensor('ArgReduce', x.backend, { x: flat, dim: 0, op }, [], 'int32');
      if (!keepdim) return index;
      return disposingAfter([index], [], () => reshape(index, x.shape.map(() => 1)));
    });
  }
  const d = normalizeDim(dim, x.ndim, op);
  if (x.ndim === 0) return runToTensor('Fill', x.backend, { size: 1, value: 0, dtype: 'int32' }, [], 'int32');
  if (x.shape[d] === 0) throw new Error(`${op}: cannot reduce an empty dimension (shape ${formatShape(x.shape)}); the result would have no value`);
  if (x.numel() === 0) return runToTensor('Fill', x.backend, { size: 0, value: 0, dtype: 'int32' }, reducedShape(x.shape, [d], keepdim), 'int32');
  const index = runToTensor('ArgReduce', x.backend, { x, dim: d, op }, reducedShape(x.shape, [d], false), 'int32');
  if (!keepdim) return index;
  return disposingAfter([index], [], () => reshape(index, reducedShape(x.shape, [d], true)));
}

/** int32 index of the largest element (the first on ties), flattened or along `dim`. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argReduce('argmax', x, dim, keepdim);
}

/** int32 index of the smallest element (the first on ties), flattened or along `dim`. */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argReduce('argmin', x, dim, keepdim);
}

function extreme(op: 'max' | 'min', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor | ValuesAndIndices {
  if (dim === undefined) return reduce(op, x, undefined, false);
  const values = reduce(op, x, dim, keepdim);
  const indices = argReduce(op === 'max' ? 'argmax' : 'argmin', x, dim, keepdim);
  return { values, indices };
}

/** The largest element; with `dim`, `{ values, indices }` along it (ties go to the first index). */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesAndIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesAndIndices {
  return extreme('max', x, dim, keepdim);
}

/** The smallest element; with `dim`, `{ values, indices }` along it (ties go to the first index). */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesAndIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesAndIndices {
  return extreme('min', x, dim, keepdim);
}
