import { normalizeDim, type Tensor } from '@kindling/tensor';
import { NO_ATTRS, record } from '../graph.js';
import { noteOp } from '../trace.js';
import type { Variable } from '../variable.js';

/** `max(dim)` and `min(dim)`: the values (differentiable) and their int32 positions along `dim`. */
export interface VariableValuesAndIndices {
  values: Variable;
  indices: Tensor;
}

/** The reduced dims, non-negative and sorted (all of them when `dim` is omitted). */
function reducedDims(x: Variable, dim: number | readonly number[] | undefined, opName: string): number[] {
  if (dim === undefined) return x.shape.map((_, d) => d);
  const list = typeof dim === 'number' ? [dim] : dim;
  return list.map((d) => normalizeDim(d, x.ndim, opName)).sort((p, q) => p - q);
}

export function sum(x: Variable, dim?: number | readonly number[], keepdim = false): Variable {
  const output = x.data.sum(dim, keepdim);
  return record('sum', output, [x], { dims: reducedDims(x, dim, 'sum'), keepdim });
}

export function mean(x: Variable, dim?: number | readonly number[], keepdim = false): Variable {
  const output = x.data.mean(dim, keepdim);
  return record('mean', output, [x], { dims: reducedDims(x, dim, 'mean'), keepdim });
}

/** The largest element, or with `dim` the largest along it and where it is. */
export function extreme(op: 'max' | 'min', x: Variable, dim?: number, keepdim = false): Variable | VariableValuesAndIndices {
  if (dim === undefined) return record(op, op === 'max' ? x.data.max() : x.data.min(), [x], NO_ATTRS);
  const { values, indices } = op === 'max' ? x.data.max(dim, keepdim) : x.data.min(dim, keepdim);
  const d = normalizeDim(dim, x.ndim, op);
  noteOp(op === 'max' ? 'argmax' : 'argmin', indices, [x], { dim: d, keepdim });
  // The rule scatters through the indices, which needs them with `dim` kept.
  const kept = keepdim ? indices : indices.unsqueeze(d);
  const opName = op === 'max' ? 'maxDim' : 'minDim';
  return { values: record(opName, values, [x], { dim: d, indices: kept }), indices };
}

/** The int32 position of the largest or smallest element, overall or along `dim` (no gradient). */
export function argReduce(op: 'argmax' | 'argmin', x: Variable, dim?: number, keepdim = false): Tensor {
  const output = x.data[op](dim, keepdim);
  noteOp(op, output, [x], { dim: dim === undefined ? null : normalizeDim(dim, x.ndim, op), keepdim });
  return output;
}
