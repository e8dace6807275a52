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

// Numerical Recipes' erfc (`erfcc`, a Chebyshev fit): erfc(z) = t·exp(−z² + P(t)) with
// t = 1 / (1 + z/2), for z ≥ 0, with a relative error below 1.2e-7 everywhere, so it is accurate to
// float32 and also in the tail, where GELU's value is tiny.
const ERFC_COEFFICIENTS = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];

/** erfc(z) for z ≥ 0 by the fit above: t·exp(−z² + P(t)) with t = 1 / (1 + z/2). */
function erfcOfNonNegative(z: Variable): Variable {
  const t = z.mul(0.5).add(1).pow(-1);
  // Horner's rule, c0 + t·(c1 + t·(... + t·c9)), starting from the innermost c8 + t·c9.
  const innermost = t.mul(ERFC_COEFFICIENTS[9] as number).add(ERFC_COEFFICIENTS[8] as number);
  const polynomial = ERFC_COEFFICIENTS.slice(0, 8).reduceRight((acc: Variable, c) => acc.mul(t).add(c), innermost);
  return t.mul(polynomial.sub(z.mul(z)).exp());
}

/** Φ(x), the standard normal distribution function, as ½·erfc(−x/√2) built from differentiable ops. */
function normalCdf(x: Variable): Variable {
  const upperTail = erfcOfNonNegative(x.abs().mul(Math.SQRT1_2)).mul(0.5);
  // Φ(x) = 1 − ½·erfc(x/√2) for x ≥ 0. |x| has gradient 0 at 0, which is harmless: GELU's x·Φ′(x) term vanishes there.
  return upperTail.neg().add(1).where(x.ge(0), upperTail);
}

/**
 * The error function, as `torch.erf`, from the same fit as `gelu` (relative error of erfc below
 * 1.2e-7), built from differentiable ops: erf(x) = sign(x)·(1 − erfc(|x|)).
 */
export function erf(input: Input): Variable {
  const x = asVariable(input);
  return composite('erf', [x], {}, () => erfcOfNonNegative(x.abs()).neg().add(1).mul(x.sign()));
}

/**
 * The Gaussian error linear unit x·Φ(x), as PyTorch's `F.gelu`. Kindling has no erf op, so the
 * exact form evaluates Φ with a rational-exponential fit whose relative error is below 1.2e-7 (float32's
 * precision); `{ approximate: 'tanh' }` gives PyTorch's tanh form.
 */
export function gelu(input: Input, options: GeluOptions = {}): Variable {
  const x = asVariable(input);
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') throw new Error(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  return composite('gelu', [x], { approximate }, () => {
    if (approximate === 'none') return x.mul(normalCdf(x));
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
