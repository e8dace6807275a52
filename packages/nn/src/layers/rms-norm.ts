import type { Variable } from '@kindling/autograd';
import { ones } from '@kindling/tensor';
import { Module } from '../module.js';
import { Parameter, type Input } from '../parameter.js';
import { rmsNorm } from '../rms-norm.js';
import type { ParameterFactory } from './affine-parameters.js';

/** Options of `new RMSNorm(...)`. */
export interface RmsNormLayerOptions extends ParameterFactory {
  /** Added to the mean square (default null: the machine epsilon of the input's dtype). */
  eps?: number | null;
  /** Whether to learn an elementwise `weight` (ones) of `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
}

/**
 * Root-mean-square normalisation over the last dims (PyTorch 2.4's `nn.RMSNorm`):
 * x / √(mean(x²) + eps) · weight, with the key `weight`.
 *
 * @example
 * new RMSNorm(512).forward(tokens); // tokens: [batch, sequence, 512]
 */
export class RMSNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly weight: Parameter | null;
  readonly eps: number | null;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], options: RmsNormLayerOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0 || this.normalizedShape.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new RangeError(`RMSNorm: normalizedShape must be one or more positive integers, got ${JSON.stringify(normalizedShape)}`);
    }
    this.eps = options.eps ?? null;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const factory = { dtype: options.dtype ?? 'float32', device: options.device };
    this.weight = this.elementwiseAffine ? new Parameter(ones(this.normalizedShape, factory).keep()) : null;
  }

  forward(input: Input): Variable {
    return rmsNorm(input, this.normalizedShape, { weight: this.weight, eps: this.eps });
  }

  override extraRepr(): string {
    return `${JSON.stringify(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}
