import { normalizeDim, type Shape, type Tensor } from '@kindling/tensor';
import { NO_ATTRS, lift, record } from '../graph.js';
import type { Variable } from '../variable.js';

/*
 * Differentiable views: the forward is the tensor view (no copy); the gradient undoes the view on
 * the incoming gradient.
 */

export function reshape(x: Variable, shape: readonly number[]): Variable {
  return record('reshape', x.data.reshape(shape), [x], NO_ATTRS);
}

export function view(x: Variable, shape: readonly number[]): Variable {
  return record('view', x.data.view(shape), [x], NO_ATTRS);
}

export function flatten(x: Variable, startDim = 0, endDim = -1): Variable {
  return record('flatten', x.data.flatten(startDim, endDim), [x], NO_ATTRS);
}

export function squeeze(x: Variable, dim?: number): Variable {
  return record('squeeze', x.data.squeeze(dim), [x], NO_ATTRS);
}

export function unsqueeze(x: Variable, dim: number): Variable {
  return record('unsqueeze', x.data.unsqueeze(dim), [x], NO_ATTRS);
}

export function transpose(x: Variable, dim0 = -2, dim1 = -1): Variable {
  return record('transpose', x.data.transpose(dim0, dim1), [x], { dim0, dim1 });
}

/** The matrix transpose (rank ≤ 2), as `Tensor.T`. */
export function matrixTranspose(x: Variable): Variable {
  return record('transpose', x.data.T, [x], { dim0: -2, dim1: -1 });
}

export function permute(x: Variable, dims: readonly number[]): Variable {
  const output = x.data.permute(dims);
  return record('permute', output, [x], { dims: dims.map((d) => normalizeDim(d, x.ndim, 'permute')) });
}

export function expand(x: Variable, shape: Shape): Variable {
  return record('expand', x.data.expand(shape), [x], NO_ATTRS);
}

export function expandAs(x: Variable, other: Variable | Tensor): Variable {
  return expand(x, lift(other).shape);
}

export function narrow(x: Variable, dim: number, start: number, length: number): Variable {
  const output = x.data.narrow(dim, start, length);
  const d = normalizeDim(dim, x.ndim, 'narrow');
  return record('narrow', output, [x], { dim: d, start: start < 0 ? start + (x.shape[d] as number) : start, step: 1 });
}

/** Python's `x[..., start:end:step, ...]` along `dim`. */
export function slice(x: Variable, dim: number, start = 0, end?: number, step = 1): Variable {
  const output = x.data.slice(dim, start, end, step);
  const d = normalizeDim(dim, x.ndim, 'slice');
  const extent = x.shape[d] as number;
  // The first index taken, clamped as the tensor op clamps it (Python slice rules).
  const first = Math.min(Math.max(start < 0 ? start + extent : start, 0), extent);
  return record('slice', output, [x], { dim: d, start: first, step });
}

/** Entry `index` of `dim`, with that dim removed. */
export function select(x: Variable, dim: number, index: number): Variable {
  const output = x.data.select(dim, index);
  const d = normalizeDim(dim, x.ndim, 'select');
  return record('select', output, [x], { dim: d, start: index < 0 ? index + (x.shape[d] as number) : index, step: 1 });
}

/** A contiguous copy, or the Variable itself when it already is contiguous (as PyTorch). */
export function contiguous(x: Variable): Variable {
  const output = x.data.contiguous();
  return output === x.data ? x : record('contiguous', output, [x], NO_ATTRS);
}

export function clone(x: Variable): Variable {
  return record('clone', x.data.clone(), [x], NO_ATTRS);
}
