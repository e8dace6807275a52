import { promoteTypes } from '../dtype.js';
import { broadcastShapes, formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './elementwise.js';
import { assertDTypeSupported, broadcastView, commonBackend, disposingAfter, runToTensor } from './support.js';
import { squeeze, unsqueeze } from './views.js';

/**
 * Matrix product with `torch.matmul`'s rules: 1-D operands are treated as a row (left) or a column
 * (right) vector and that dim is dropped from the result; leading batch dims broadcast.
 *
 * @example
 * matmul(randn([128, 784]), randn([784, 512])); // [128, 512]
 */
/** Checks torch.bmm's operands: two 3-D tensors with the same batch size. */
export function assertBatchedMatrices(a: { shape: readonly number[] }, b: { shape: readonly number[] }): void {
  if (a.shape.length !== 3 || b.shape.length !== 3 || a.shape[0] !== b.shape[0]) {
    throw new Error(
      `bmm: expected two 3-D tensors [b, n, m] and [b, m, p] with the same batch size b, got ${formatShape(a.shape)} and ${formatShape(b.shape)}; ` +
        'matmul broadcasts batch dims',
    );
  }
}

/** torch.bmm: batched matrix products of [b, n, m] and [b, m, p], without broadcasting. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  assertBatchedMatrices(a, b);
  return matmul(a, b);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  const backend = commonBackend('matmul', [a, b]);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new Error(`matmul: both operands need at least one dimension, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}; use mul for scalars`);
  }
  if (a.dtype === 'bool' || b.dtype === 'bool') throw new TypeError('matmul: bool tensors cannot be multiplied; convert them with t.float() first');
  const k = a.shape[a.ndim - 1] as number;
  const kB = b.shape[b.ndim === 1 ? 0 : b.ndim - 2] as number;
  if (k !== kB) throw new Error(`matmul: cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)} (${k} != ${kB})`);

  const dtype = promoteTypes(a.dtype, b.dtype);
  assertDTypeSupported(backend, dtype, 'matmul');
  const left = a.ndim === 1 ? unsqueeze(a, 0) : a;
  const right = b.ndim === 1 ? unsqueeze(b, -1) : b;
  const leftTyped = left.dtype === dtype ? left : cast(left, dtype);
  const rightTyped = right.dtype === dtype ? right : cast(right, dtype);
  const temporaries = [left, right, leftTyped, rightTyped];

  return disposingAfter(temporaries, [a, b], () => {
    const batch = broadcastShapes(leftTyped.shape.slice(0, -2), rightTyped.shape.slice(0, -2), 'matmul');
    const m = leftTyped.shape[leftTyped.ndim - 2] as number;
    const n = rightTyped.shape[rightTyped.ndim - 1] as number;
    const product = runToTensor(
      'MatMul',
      backend,
      { a: broadcastView(leftTyped, [...batch, m, k]), b: broadcastView(rightTyped, [...batch, k, n]) },
      [...batch, m, n],
      dtype,
    );
    if (a.ndim > 1 && b.ndim > 1) return product;
    const squeezed = squeeze(product, a.ndim === 1 ? -2 : -1);
    const result = b.ndim === 1 && a.ndim === 1 ? squeeze(squeezed, -1) : squeezed;
    for (const t of [product, squeezed]) if (t !== result) t.dispose();
    return result;
  });
}
