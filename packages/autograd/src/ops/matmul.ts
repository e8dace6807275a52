import { einsumWith, type Tensor } from '@kindling/tensor';
import { NO_ATTRS, lift, record } from '../graph.js';
import type { Variable } from '../variable.js';

/**
 * Matrix product with `torch.matmul`'s rules (1-D operands, broadcast batch dims). A 1-D operand is
 * made 2-D with an unsqueeze and the extra dim squeezed away afterwards, both recorded views, so the
 * matmul gradient rule only ever sees operands of rank ≥ 2.
 */
export function matmul(a: Variable | Tensor, b: Variable | Tensor): Variable {
  const left = lift(a);
  const right = lift(b);
  if (left.ndim < 2 || right.ndim < 2) {
    // Invalid operands go to the tensor op first, so its error names the shapes the caller passed.
    const k = right.ndim === 1 ? right.shape[0] : right.shape[right.ndim - 2];
    if (left.ndim === 0 || right.ndim === 0 || left.shape[left.ndim - 1] !== k) left.data.matmul(right.data);
    const left2d = left.ndim === 1 ? left.unsqueeze(0) : left;
    const right2d = right.ndim === 1 ? right.unsqueeze(-1) : right;
    let product = matmul(left2d, right2d);
    if (left.ndim === 1) product = product.squeeze(-2);
    if (right.ndim === 1) product = product.squeeze(-1);
    return product;
  }
  return record('matmul', left.data.matmul(right.data), [left, right], NO_ATTRS);
}

/**
 * torch.einsum on Variables (and constant Tensors): the same contraction as the tensor op, built
 * from differentiable views, products, sums and batched matmuls, so its gradient follows from theirs.
 *
 * @example
 * const scores = einsum('bhqd,bhkd->bhqk', query, key);
 */
export function einsum(equation: string, ...operands: (Variable | Tensor)[]): Variable {
  return einsumWith<Variable>(equation, operands.map(lift));
}
