import type { Variable } from '@kindling/autograd';
import { zeros, type DType } from '@kindling/tensor';
import { linear } from '../functional.js';
import { calculateFanInAndFanOut, kaimingUniform, uniform } from '../init.js';
import { Module } from '../module.js';
import { Parameter, type Input } from '../parameter.js';

/** Options of `new Linear(...)`. */
export interface LinearOptions {
  /** Whether to learn an additive bias (default true). */
  bias?: boolean;
  /** The backend to create the parameters on (the current one by default). */
  device?: string;
  /** A floating-point dtype for the parameters (default float32). */
  dtype?: DType;
}

/**
 * A fully connected layer, y = x·Wᵀ + b (PyTorch's `nn.Linear`), with `weight` of shape
 * [outFeatures, inFeatures] and `bias` of shape [outFeatures]. Initialised as PyTorch does: the
 * weight by Kaiming-uniform with a = √5 and the bias uniform in ±1/√inFeatures, both bounds
 * 1/√inFeatures, from the seeded generator (`manualSeed`).
 *
 * @example
 * const layer = new Linear(784, 512);
 * layer.forward(images).shape; // [batch, 512]
 */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    for (const [name, value] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`Linear: ${name} must be a non-negative integer, got ${value}`);
    }
    const factory = { dtype: options.dtype ?? 'float32', device: options.device };
    // Placeholders of the right shape, dtype and device that resetParameters fills; kept, like
    // every parameter value, so that building a model inside a `tidy` does not free its weights.
    this.weight = new Parameter(zeros([outFeatures, inFeatures], factory).keep());
    this.bias = (options.bias ?? true) ? new Parameter(zeros([outFeatures], factory).keep()) : null;
    const parameters = this.bias ? [this.weight, this.bias] : [this.weight];
    const placeholders = parameters.map((p) => p.data);
    this.resetParameters();
    // Nothing else can hold a replaced placeholder yet, so it is freed now rather than whenever the
    // garbage collector finds it (which, on a GPU, is memory the collector cannot see). An empty
    // layer keeps its placeholder weight.
    parameters.forEach((parameter, i) => {
      if (parameter.data !== placeholders[i]) placeholders[i]?.dispose();
    });
  }

  /** Draws fresh initial values, as PyTorch's `reset_parameters`: the weight first, then the bias. */
  resetParameters(): void {
    // An empty layer has nothing to draw; kaimingUniform would reject its zero fan.
    if (this.inFeatures > 0) kaimingUniform(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const { fanIn } = calculateFanInAndFanOut(this.weight.shape);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform(this.bias, -bound, bound);
    }
  }

  forward(input: Input): Variable {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
