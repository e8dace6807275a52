import * as kt from '@kindling/tensor';
import type { BinaryOp, CompareOp, DType, Tensor, UnaryOp } from '@kindling/tensor';
import { NO_ATTRS, raw, record, type Operand } from '../graph.js';
import { noteOp } from '../trace.js';
import { Variable } from '../variable.js';

/*
 * Differentiable elementwise ops. The forward is the tensor op itself (so broadcasting and dtype
 * promotion are exactly the tensor package's); `record` adds the node when a gradient is needed.
 */

/** A clamp bound: a constant, or a Variable (then clamp is differentiated through maximum/minimum). */
export type Bound = number | Tensor | Variable | null | undefined;

/** `a op b` with broadcasting; either operand may be a Variable, a Tensor or a number. */
export function binary(op: BinaryOp, a: Operand, b: Operand): Variable {
  return record(op, kt.binary(op, raw(a), raw(b)), [a, b], NO_ATTRS);
}

export function unary(op: UnaryOp, x: Variable): Variable {
  return record(op, kt.unary(op, x.data), [x], NO_ATTRS);
}

/** A comparison: a bool Tensor, which carries no gradient. */
export function compare(op: CompareOp, a: Operand, b: Operand): Tensor {
  const output = kt.compare(op, raw(a), raw(b));
  noteOp(op, output, [a, b], NO_ATTRS);
  return output;
}

/** Limits `x` to [min, max] (either may be omitted); the gradient passes where x is inside, bounds included. */
export function clamp(x: Variable, min?: Bound, max?: Bound): Variable {
  if (min instanceof Variable || max instanceof Variable) {
    // A bound that itself needs a gradient: compose, so each side gets its share (ties split as maximum does).
    const lowered = min === null || min === undefined ? x : binary('maximum', x, min);
    return max === null || max === undefined ? lowered : binary('minimum', lowered, max);
  }
  return record('clamp', x.data.clamp(min, max), [x], { min: min ?? null, max: max ?? null });
}

/**
 * `a` where `condition` holds and `b` elsewhere (all three broadcast together). The condition is a
 * bool constant; `a` and `b` get gradients.
 */
export function where(condition: Variable | Tensor, a: Operand, b: Operand): Variable {
  const mask = condition instanceof Variable ? condition.data : condition;
  return record('where', kt.where(mask, raw(a), raw(b)), [a, b], { condition: mask });
}

/** A cast (`to('float64')`) or a copy onto another device (`to('cpu')`); the gradient goes back to the input's. */
export function to(x: Variable, dtypeOrDevice: DType | string): Variable {
  const output = x.data.to(dtypeOrDevice);
  // As PyTorch, a no-op conversion returns the Variable itself.
  if (output === x.data) return x;
  return record('to', output, [x], { dtype: x.dtype, device: x.device });
}
