import * as kt from '@kindling/tensor';
import { formatShape, normalizeDim, type Tensor } from '@kindling/tensor';
import { lift, record } from '../graph.js';
import { Variable } from '../variable.js';

function indexTensor(index: Variable | Tensor): Tensor {
  return index instanceof Variable ? index.data : index;
}

/** torch.gather along `dim` at the int32 `index`; the gradient adds back into the picked positions. */
export function gather(x: Variable, dim: number, index: Variable | Tensor): Variable {
  const idx = indexTensor(index);
  const output = x.data.gather(dim, idx);
  return record('gather', output, [x], { dim: normalizeDim(dim, x.ndim, 'gather'), index: idx });
}

/** torch.index_select along `dim` at the 1-D int32 `index`. */
export function indexSelect(x: Variable, dim: number, index: Variable | Tensor): Variable {
  const idx = indexTensor(index);
  const output = x.data.indexSelect(dim, idx);
  return record('indexSelect', output, [x], { dim: normalizeDim(dim, x.ndim, 'indexSelect'), index: idx });
}

/**
 * Out-of-place torch.scatter_add: `base` with `src`'s entries added at `index` along `dim`. Only the
 * part of `src` that `index` covers is used (as PyTorch), so it is narrowed to `index`'s shape first
 * and the rest of `src` gets a zero gradient.
 */
export function scatterAdd(base: Variable | Tensor, dim: number, index: Variable | Tensor, src: Variable | Tensor): Variable {
  const idx = indexTensor(index);
  const d = normalizeDim(dim, base.shape.length, 'scatterAdd');
  let used = lift(src);
  idx.shape.forEach((extent, axis) => {
    if (axis < used.ndim && extent < (used.shape[axis] as number)) used = used.narrow(axis, 0, extent);
  });
  const output = lift(base).data.scatterAdd(d, idx, used.data);
  return record('scatterAdd', output, [base, used], { dim: d, index: idx });
}

/** Out-of-place torch.index_add: `base` with slice i of `src` added at slice index[i] along `dim`. */
export function indexAdd(base: Variable | Tensor, dim: number, index: Variable | Tensor, src: Variable | Tensor): Variable {
  const idx = indexTensor(index);
  const d = normalizeDim(dim, base.shape.length, 'indexAdd');
  const output = lift(base).data.indexAdd(d, idx, lift(src).data);
  return record('indexAdd', output, [base, src], { dim: d, index: idx });
}

/**
 * Joins Variables (or constant Tensors) along an existing `dim`.
 *
 * @example
 * cat([a, b], 0); // [2, 3] and [4, 3] give [6, 3]
 */
export function cat(items: readonly (Variable | Tensor)[], dim = 0): Variable {
  const output = kt.cat(items.map((item) => lift(item).data), dim);
  return record('cat', output, items, { dim: normalizeDim(dim, output.ndim, 'cat') });
}

/** Joins Variables of one shape along a new `dim`: an unsqueeze of each, then a cat. */
export function stack(items: readonly (Variable | Tensor)[], dim = 0): Variable {
  const first = items[0];
  if (!first) throw new Error('stack: expected at least one tensor');
  items.forEach((item, i) => {
    if (formatShape(item.shape) !== formatShape(first.shape)) {
      throw new Error(`stack: tensor ${i} has shape ${formatShape(item.shape)} but tensor 0 has ${formatShape(first.shape)}; stacked tensors must match`);
    }
  });
  const d = normalizeDim(dim, first.shape.length + 1, 'stack');
  return cat(items.map((item) => lift(item).unsqueeze(d)), d);
}
