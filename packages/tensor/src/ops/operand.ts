import type { BinaryOp } from './elementwise-ops.js';
import type { Tensor } from '../tensor.js';

/**
 * How a value from another package takes part in a `Tensor` op as the right-hand operand:
 * autograd's `Variable` implements it, so that `tensor.add(variable)` and `x.matmul(weight)` record
 * a differentiable result instead of failing. `@kindling/tensor` does not know autograd; the
 * operand computes `left op this` itself.
 */
export const TENSOR_OPERAND: unique symbol = Symbol.for('@kindling/tensor.operand');

export interface TensorOperand<R> {
  /** `left op this`, computed (and, for a Variable, recorded) by the operand's own package. */
  [TENSOR_OPERAND](op: BinaryOp | 'matmul', left: Tensor): R;
  /** The plain tensor behind the operand, for results that are never differentiable (comparisons). */
  readonly data: Tensor;
}

export function isTensorOperand(value: unknown): value is TensorOperand<unknown> {
  return typeof value === 'object' && value !== null && TENSOR_OPERAND in value;
}

/**
 * What a value is, for error messages, with its article: `a Tensor`, `a Map`, `an array`,
 * `an object`, `a number`, `null`, `undefined`. Values of one kind get the same description, so it
 * also tells whether two values are of one kind.
 */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const name: unknown = Reflect.get(value, 'constructor')?.name;
    return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return `a ${typeof value}`;
}
