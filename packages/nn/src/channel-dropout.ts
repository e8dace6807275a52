import { composite, type Variable } from '@kindling/autograd';
import { formatShape, rand } from '@kindling/tensor';
import { asVariable, type Input } from './parameter.js';

/**
 * Zeroes whole channels of [N, C, H, W] (or unbatched [C, H, W]) inputs, each with probability
 * `p`, and scales the rest by 1 / (1 − p) while `training`, as PyTorch's `F.dropout2d`; the
 * identity otherwise. The mask comes from the seeded default generator.
 */
export function dropout2d(input: Input, p = 0.5, training = true): Variable {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`dropout2d: the probability p must be in [0, 1], got ${p}`);
  const x = asVariable(input);
  if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`dropout2d: expected an input of shape [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  // One draw per channel, broadcast over its H × W values.
  const channelShape = [...x.shape.slice(0, x.ndim - 2), 1, 1];
  return composite('dropout2d', [x], { p }, () => {
    const keep = rand(channelShape, { device: x.device }).ge(p);
    return x.mul(1 / (1 - p)).where(keep, 0);
  });
}
