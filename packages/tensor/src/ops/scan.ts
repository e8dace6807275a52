import { formatShape, normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { ValuesAndIndices } from './reduction.js';
import { cast } from './elementwise.js';
import { commonBackend, runToTensor } from './support.js';

/*
 * Ops over matrix positions and along a dim: tril and triu (a causal attention mask is
 * `ones([n, n]).tril()`), cumsum, and sorting (argsort, sort, topk), computed on the device.
 */

function triangle(t: Tensor, diagonal: number, upper: boolean): Tensor {
  const opName = upper ? 'triu' : 'tril';
  const backend = commonBackend(opName, [t]);
  if (t.ndim < 2) throw new Error(`${opName}: expected a tensor of at least 2 dims (matrices in the last two), got shape ${formatShape(t.shape)}`);
  if (!Number.isInteger(diagonal)) throw new RangeError(`${opName}: diagonal must be an integer, got ${diagonal}`);
  return runToTensor('Triangle', backend, { x: t, diagonal, upper }, t.shape, t.dtype);
}

/** torch.tril: the elements on and below the `diagonal`-th diagonal of the last two dims; 0 elsewhere. */
export function tril(t: Tensor, diagonal = 0): Tensor {
  return triangle(t, diagonal, false);
}

/** torch.triu: the elements on and above the `diagonal`-th diagonal of the last two dims; 0 elsewhere. */
export function triu(t: Tensor, diagonal = 0): Tensor {
  return triangle(t, diagonal, true);
}

function scan(t: Tensor, dim: number, reverse: boolean, opName: string): Tensor {
  const backend = commonBackend(opName, [t]);
  // A 0-d tensor scans as one element along dim 0 (or -1), as PyTorch's.
  const d = normalizeDim(dim, Math.max(t.ndim, 1), opName);
  // bool sums count, as PyTorch's (whose integers are int64; Kindling's are int32).
  const x = t.dtype === 'bool' ? cast(t, 'int32') : t;
  if (x.ndim === 0) return x === t ? x.clone() : x;
  try {
    return runToTensor('Cumsum', backend, { x, dim: d, reverse }, x.shape, x.dtype);
  } finally {
    if (x !== t) x.dispose();
  }
}

/** torch.cumsum: running sums along `dim` (bool counts as int32). */
export function cumsum(t: Tensor, dim: number): Tensor {
  return scan(t, dim, false, 'cumsum');
}

/** Running sums along `dim` from the end backwards: the gradient of cumsum. */
export function reverseCumsum(t: Tensor, dim: number): Tensor {
  return scan(t, dim, true, 'reverseCumsum');
}

/** torch.argsort: the int32 positions along `dim` that sort `t` stably (NaN last ascending, first descending). */
export function argsort(t: Tensor, dim = -1, descending = false): Tensor {
  const backend = commonBackend('argsort', [t]);
  if (t.ndim === 0) return runToTensor('Fill', backend, { size: 1, value: 0, dtype: 'int32' }, [], 'int32');
  const d = normalizeDim(dim, t.ndim, 'argsort');
  return runToTensor('Argsort', backend, { x: t, dim: d, descending }, t.shape, 'int32');
}

/** torch.sort: the sorted values along `dim` and their positions in `t`. */
export function sort(t: Tensor, dim = -1, descending = false): ValuesAndIndices {
  const indices = argsort(t, dim, descending);
  return { values: t.ndim === 0 ? t.clone() : t.gather(normalizeDim(dim, t.ndim, 'sort'), indices), indices };
}

/** The positions of the `k` largest (or, with `largest` false, smallest) elements along `dim`, in sorted order. */
export function topkIndices(t: Tensor, k: number, dim = -1, largest = true): Tensor {
  const d = normalizeDim(dim, Math.max(t.ndim, 1), 'topk');
  const extent = t.ndim === 0 ? 1 : (t.shape[d] as number);
  if (!Number.isInteger(k) || k < 0 || k > extent) throw new RangeError(`topk: k must be an integer from 0 to the size ${extent} of dim ${dim}, got ${k}`);
  const order = argsort(t, dim, largest);
  if (t.ndim === 0) return order;
  const indices = order.narrow(d, 0, k).contiguous();
  order.dispose();
  return indices;
}

/**
 * torch.topk: the `k` largest (or, with `largest` false, smallest) elements along `dim`, in sorted
 * order, and their positions; ties keep the earlier position first.
 */
export function topk(t: Tensor, k: number, dim = -1, largest = true): ValuesAndIndices {
  const indices = topkIndices(t, k, dim, largest);
  return { values: t.ndim === 0 ? t.clone() : t.gather(normalizeDim(dim, t.ndim, 'topk'), indices), indices };
}
