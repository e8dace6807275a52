import { composite, type Variable } from '@kindling/autograd';
import { formatShape, type DType } from '@kindling/tensor';
import { asVariable, type Input } from './parameter.js';

/** Options of `rmsNorm`. */
export interface RmsNormOptions {
  /** The elementwise scale, of shape `normalizedShape`; none by default. */
  weight?: Input | null;
  /** Added to the mean square (default null: the machine epsilon of the input's dtype, as PyTorch's). */
  eps?: number | null;
}

/** The gap between 1 and the next float of `dtype` (PyTorch's `torch.finfo(dtype).eps`). */
function machineEpsilon(dtype: DType): number {
  return dtype === 'float64' ? 2 ** -52 : 2 ** -23;
}

/**
 * Root-mean-square normalisation over the last dims, which must equal `normalizedShape`, as
 * PyTorch 2.4's `F.rms_norm`: x / √(mean(x²) + eps) · weight, with no centring and no bias.
 *
 * @example
 * F.rmsNorm(tokens, [512], { weight }); // tokens: [batch, sequence, 512]
 */
export function rmsNorm(input: Input, normalizedShape: number | readonly number[], options: RmsNormOptions = {}): Variable {
  const x = asVariable(input);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const trailing = x.shape.slice(x.ndim - shape.length);
  if (shape.length === 0 || shape.length > x.ndim || formatShape(trailing) !== formatShape(shape)) {
    throw new Error(`rmsNorm: normalizedShape ${formatShape(shape)} must be the last dims of the input, whose shape is ${formatShape(x.shape)}`);
  }
  const weight = options.weight ?? null;
  if (weight !== null && formatShape(weight.shape) !== formatShape(shape)) {
    throw new Error(`rmsNorm: weight has shape ${formatShape(weight.shape)}, expected normalizedShape ${formatShape(shape)}`);
  }
  const dims = shape.map((_, i) => x.ndim - shape.length + i);
  const eps = options.eps ?? machineEpsilon(x.dtype);
  return composite('rmsNorm', [x, weight], { normalizedShape: shape, eps }, () => {
    const normalized = x.mul(x.mul(x).mean(dims, true).add(eps).rsqrt());
    return weight === null ? normalized : normalized.mul(weight);
  });
}
