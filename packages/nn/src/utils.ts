import type { Variable } from '@kindling/autograd';
import { stack, tidy, zeros, type Tensor } from '@kindling/tensor';

/*
 * Gradient clipping, as PyTorch's `torch.nn.utils`: `import { utils } from '@kindling/nn'`.
 */

/** Sequence helpers, as PyTorch's `torch.nn.utils.rnn`: `utils.rnn.padSequence(sequences)`. */
export * as rnn from './rnn-utils.js';

/** The Variables among `parameters` that have a gradient. */
function withGrads(parameters: Variable | Iterable<Variable>, opName: string): (Variable & { grad: Tensor })[] {
  const list = Symbol.iterator in Object(parameters) ? [...(parameters as Iterable<Variable>)] : [parameters as Variable];
  return list.filter((p, i): p is Variable & { grad: Tensor } => {
    if (p === null || typeof p !== 'object' || !('grad' in p)) throw new TypeError(`${opName}: element ${i} of parameters is not a Parameter or Variable`);
    return p.grad !== null;
  });
}

/** Replaces `parameter`'s gradient with `next`, freeing the old one (which the parameter owned). */
function replaceGrad(parameter: Variable & { grad: Tensor }, next: Tensor): void {
  const old = parameter.grad;
  parameter.grad = next.keep();
  old.dispose();
}

/**
 * Scales the gradients of `parameters` together so that their joint `normType`-norm (2 by default,
 * `Infinity` for the largest magnitude) is at most `maxNorm`, as PyTorch's `clip_grad_norm_`, and
 * returns that norm before clipping as a 0-d float tensor on the gradients' device (as PyTorch
 * does: read it with `await norm.item()`, which a training loop need not wait for). Parameters
 * without a gradient are skipped. A non-finite norm is not an error (PyTorch's default): the
 * gradients then become NaN, which the returned norm shows.
 *
 * @example
 * loss.backward();
 * utils.clipGradNorm(model.parameters(), 1.0);
 * optimizer.step();
 */
export function clipGradNorm(parameters: Variable | Iterable<Variable>, maxNorm: number, normType = 2): Tensor {
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new TypeError(`clipGradNorm: maxNorm must be a number, got ${String(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new RangeError(`clipGradNorm: normType must be a positive number or Infinity, got ${String(normType)}`);
  const targets = withGrads(parameters, 'clipGradNorm');
  if (targets.length === 0) return zeros([]);
  // The norm in float64 when any gradient is, as PyTorch's (which computes in the gradients' dtype).
  const dtype = targets.some(({ grad }) => grad.dtype === 'float64') ? 'float64' : 'float32';
  // tidy frees the per-parameter norms; the new gradients are kept and the total is returned.
  return tidy(() => {
    // Each gradient's Σ|g|^p rather than its norm: the p-th root and power in between cancel, and
    // for p = 2 the square is a multiply (pow runs on the cpu kernel in the workers backend).
    const parts = targets.map(({ grad }) => {
      const g = grad.to(dtype);
      if (normType === Infinity) return g.abs().max();
      return normType === 2 ? g.mul(g).sum() : g.abs().pow(normType).sum();
    });
    const joined = stack(parts);
    const total = normType === Infinity ? joined.max() : normType === 2 ? joined.sum().sqrt() : joined.sum().pow(1 / normType);
    // As PyTorch: the 1e-6 keeps the division finite, and a coefficient above 1 is clamped (no scaling up).
    const coefficient = total.add(1e-6).pow(-1).mul(maxNorm).clamp(undefined, 1);
    for (const parameter of targets) replaceGrad(parameter, parameter.grad.mul(coefficient.to(parameter.grad.dtype)));
    return total;
  });
}

/**
 * Clamps every gradient of `parameters` into [−clipValue, clipValue], as PyTorch's
 * `clip_grad_value_`. Parameters without a gradient are skipped.
 */
export function clipGradValue(parameters: Variable | Iterable<Variable>, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new RangeError(`clipGradValue: clipValue must be a non-negative number, got ${String(clipValue)}`);
  for (const parameter of withGrads(parameters, 'clipGradValue')) replaceGrad(parameter, parameter.grad.clamp(-clipValue, clipValue));
}
