import { composite, type Variable } from '@kindling/autograd';
import { asVariable, type Input } from './parameter.js';

/*
 * The activation functions beyond relu, sigmoid and tanh, composed from autograd's differentiable
 * ops, so their gradients follow from the ops' rules and they run on every backend.
 */

/** Options of `gelu`. */
export interface GeluOptions {
  /** 'none' (default) for the exact x·Φ(x), 'tanh' for the tanh approximation, as PyTorch's `approximate`. */
  approximate?: 'none' | 'tanh';
}

/** The error function, as `torch.erf` (autograd's `erf` op, here so that `F.erf` reads as PyTorch's). */
export function erf(input: Input): Variable {
  return asVariable(input).erf();
}

/**
 * The Gaussian error linear unit x·Φ(x), as PyTorch's `F.gelu`: exactly ½·x·(1 + erf(x/√2)) by
 * default, or `{ approximate: 'tanh' }` for PyTorch's tanh form.
 */
export function gelu(input: Input, options: GeluOptions = {}): Variable {
  const x = asVariable(input);
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') throw new Error(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  return composite('gelu', [x], { approximate }, () => {
    if (approximate === 'none') return x.mul(Math.SQRT1_2).erf().add(1).mul(x).mul(0.5);
    const inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    return x.mul(0.5).mul(inner.tanh().add(1));
  });
}

/** x for x > 0 and negativeSlope·x otherwise, as PyTorch's `F.leaky_relu` (default slope 0.01). */
export function leakyRelu(input: Input, negativeSlope = 0.01): Variable {
  const x = asVariable(input);
  return composite('leakyRelu', [x], { negativeSlope }, () => x.where(x.gt(0), x.mul(negativeSlope)));
}

/** x for x > 0 and alpha·(eˣ − 1) otherwise, as PyTorch's `F.elu` (default alpha 1). */
export function elu(input: Input, alpha = 1): Variable {
  const x = asVariable(input);
  // eˣ of the clamped input: the unselected lanes of a large x would overflow, and 0·∞ poisons the gradient.
  return composite('elu', [x], { alpha }, () => x.where(x.gt(0), x.clamp(undefined, 0).exp().sub(1).mul(alpha)));
}

/** x·sigmoid(x), the sigmoid linear unit (swish), as PyTorch's `F.silu`. */
export function silu(input: Input): Variable {
  const x = asVariable(input);
  return x.mul(x.sigmoid());
}
