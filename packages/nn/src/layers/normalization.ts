import type { Variable } from '@kindling/autograd';
import { full, ones, zeros, type Shape, type Tensor } from '@kindling/tensor';
import { Module } from '../module.js';
import { layerNorm, normalizeBatch } from '../normalization.js';
import { Parameter, type Input } from '../parameter.js';
import type { ParameterFactory } from './affine-parameters.js';

/** Options of `new BatchNorm1d(...)` and `new BatchNorm2d(...)`. */
export interface BatchNormLayerOptions extends ParameterFactory {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** The weight of each new batch in the running statistics (default 0.1); null for a cumulative average over all batches. */
  momentum?: number | null;
  /** Whether to learn a per-channel `weight` (γ, ones) and `bias` (β, zeros) (default true). */
  affine?: boolean;
  /** Whether to keep running statistics for evaluation (default true); without them every mode uses the batch's. */
  trackRunningStats?: boolean;
}

/** A parameter of `shape` filled with `value`, kept past any surrounding `tidy`. */
function filledParameter(shape: Shape, value: number, factory: ParameterFactory): Parameter {
  return new Parameter(full(shape, value, { dtype: factory.dtype ?? 'float32', device: factory.device }).keep());
}

/** What BatchNorm1d and BatchNorm2d share: the parameters, the buffers and the update of the running statistics. */
abstract class BatchNorm extends Module {
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  protected constructor(
    readonly numFeatures: number,
    options: BatchNormLayerOptions,
    private readonly acceptedDims: readonly number[],
  ) {
    super();
    const name = this.constructor.name;
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new RangeError(`${name}: numFeatures must be a positive integer, got ${numFeatures}`);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (!(this.eps >= 0)) throw new RangeError(`${name}: eps must be >= 0, got ${this.eps}`);
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) throw new RangeError(`${name}: momentum must be in [0, 1] or null, got ${this.momentum}`);
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    this.weight = this.affine ? filledParameter([numFeatures], 1, options) : null;
    this.bias = this.affine ? filledParameter([numFeatures], 0, options) : null;
    const floating = { dtype: options.dtype ?? 'float32', device: options.device };
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? zeros([numFeatures], floating) : null);
    this.registerBuffer('running_var', track ? ones([numFeatures], floating) : null);
    // int32: Kindling has no int64, PyTorch's dtype for the count.
    this.registerBuffer('num_batches_tracked', track ? zeros([], { dtype: 'int32', device: options.device }) : null);
  }

  /** The running mean of each channel (PyTorch's `running_mean`), or null without `trackRunningStats`. */
  get runningMean(): Tensor | null {
    return this.getBuffer('running_mean');
  }

  /** The running unbiased variance of each channel (PyTorch's `running_var`), or null without `trackRunningStats`. */
  get runningVar(): Tensor | null {
    return this.getBuffer('running_var');
  }

  /** How many training batches have updated the running statistics (PyTorch's `num_batches_tracked`, int32 here). */
  get numBatchesTracked(): Tensor | null {
    return this.getBuffer('num_batches_tracked');
  }

  /** Sets the running statistics back to mean 0, variance 1 and no batches, as PyTorch's `reset_running_stats`. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    const like = this.runningMean as Tensor;
    const floating = { dtype: like.dtype, device: like.device };
    this.registerBuffer('running_mean', zeros([this.numFeatures], floating));
    this.registerBuffer('running_var', ones([this.numFeatures], floating));
    this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int32', device: like.device }));
  }

  forward(input: Input): Variable {
    if (!this.acceptedDims.includes(input.ndim)) {
      const expected = this.acceptedDims.map((d) => `${d}-D`).join(' or ');
      throw new Error(`${this.constructor.name}: expected a ${expected} input, got shape [${input.shape.join(', ')}]`);
    }
    // As PyTorch: a module without running statistics normalises by the batch in every mode.
    const useBatchStats = this.training || !this.trackRunningStats;
    let momentum: number | Tensor = this.momentum ?? 0;
    const counter = this.numBatchesTracked;
    if (this.training && counter !== null) {
      // The count is replaced, not written in place: the in-place kernels are floating-point only.
      const next = counter.add(1);
      this.registerBuffer('num_batches_tracked', next);
      // A cumulative average weighs the n-th batch by 1/n; the count stays on the device.
      if (this.momentum === null) momentum = next.float().pow(-1);
    }
    const running = useBatchStats && !this.training ? null : { mean: this.runningMean, var: this.runningVar };
    return normalizeBatch(input, running?.mean ?? null, running?.var ?? null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation over [N, C] or [N, C, L] inputs (PyTorch's `nn.BatchNorm1d`): in training
 * mode by each batch's per-channel statistics, which also update `running_mean`, `running_var`
 * and `num_batches_tracked`; in evaluation mode by the running statistics.
 *
 * @example
 * const bn = new BatchNorm1d(64);
 * bn.forward(features); // features: [N, 64]
 * bn.eval(); // from now on, the running statistics
 */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super(numFeatures, options, [2, 3]);
  }
}

/** Batch normalisation over [N, C, H, W] inputs (PyTorch's `nn.BatchNorm2d`); see BatchNorm1d. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super(numFeatures, options, [4]);
  }
}

/** Options of `new LayerNorm(...)`. */
export interface LayerNormLayerOptions extends ParameterFactory {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** Whether to learn an elementwise `weight` (ones) and `bias` (zeros) of `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
  /** Whether the affine transform learns the `bias` too (default true; PyTorch 2.1's `bias`). */
  bias?: boolean;
}

/**
 * Layer normalisation over the last dims, which must equal `normalizedShape` (PyTorch's
 * `nn.LayerNorm`), with the same statistics in training and evaluation.
 *
 * @example
 * new LayerNorm(512).forward(tokens); // tokens: [batch, sequence, 512]
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], options: LayerNormLayerOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0 || this.normalizedShape.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new RangeError(`LayerNorm: normalizedShape must be one or more positive integers, got ${JSON.stringify(normalizedShape)}`);
    }
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? filledParameter(this.normalizedShape, 1, options) : null;
    this.bias = this.elementwiseAffine && (options.bias ?? true) ? filledParameter(this.normalizedShape, 0, options) : null;
  }

  forward(input: Input): Variable {
    return layerNorm(input, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${JSON.stringify(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}
