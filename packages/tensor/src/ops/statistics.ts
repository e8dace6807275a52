import { isFloatingDType, type DType } from '../dtype.js';
import { normalizeDims, shapeSize, type Shape } from '../shape.js';

export interface VarianceOptions {
  /** Subtracted from the element count in the divisor: 1 (Bessel's correction, the default) or 0. */
  correction?: number;
  /** The older spelling: `unbiased: false` is `correction: 0`. */
  unbiased?: boolean;
  /** Keep the reduced dims with length 1. */
  keepdim?: boolean;
}

/** What variance needs of a Tensor or a Variable, so that one definition serves both (and autograd differentiates it). */
interface Reducible<T> {
  readonly shape: Shape;
  readonly dtype: DType;
  mean(dim: readonly number[], keepdim: boolean): T;
  sub(other: T): T;
  mul(other: T): T;
  sum(dim: readonly number[], keepdim: boolean): T;
  div(other: number): T;
}

function correctionOf({ correction, unbiased }: VarianceOptions, opName: string): number {
  if (correction !== undefined && unbiased !== undefined) throw new TypeError(`${opName}: give correction or unbiased, not both`);
  if (unbiased !== undefined) return unbiased ? 1 : 0;
  const value = correction ?? 1;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${opName}: correction must be a non-negative number, got ${value}`);
  return value;
}

/**
 * torch.var: the mean squared deviation from the mean over `dim` (every dim by default), divided by
 * the element count less `correction`. As in PyTorch, too few elements give inf or NaN, not an error.
 */
export function variance<T extends Reducible<T>>(x: T, dim: number | readonly number[] | undefined, options: VarianceOptions, opName = 'var'): T {
  if (!isFloatingDType(x.dtype)) throw new TypeError(`${opName}: needs a floating-point tensor, got ${x.dtype}; convert it with .float() first`);
  const correction = correctionOf(options, opName);
  const dims = normalizeDims(dim, x.shape.length, opName);
  const count = shapeSize(dims.map((d) => x.shape[d] as number));
  const deviation = x.sub(x.mean(dims, true));
  return deviation.mul(deviation).sum(dims, options.keepdim ?? false).div(Math.max(0, count - correction));
}
