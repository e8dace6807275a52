import type { Variable } from '@kindling/autograd';
import { linear } from '../functional.js';
import { Module } from '../module.js';
import type { Input, Parameter } from '../parameter.js';
import { createAffineParameters, resetAffineParameters, type ParameterFactory } from './affine-parameters.js';

/** Options of `new Linear(...)`. */
export interface LinearOptions extends ParameterFactory {
  /** Whether to learn an additive bias (default true). */
  bias?: boolean;
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
  /** Assignable, so that two modules can share one Parameter (weight tying: `lmHead.weight = wte.weight`). */
  weight: Parameter;
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
    const { weight, bias } = createAffineParameters([outFeatures, inFeatures], options.bias ?? true, options);
    this.weight = weight;
    this.bias = bias;
  }

  /** Draws fresh initial values, as PyTorch's `reset_parameters`: the weight first, then the bias. */
  resetParameters(): void {
    resetAffineParameters(this.weight, this.bias);
  }

  forward(input: Input): Variable {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
