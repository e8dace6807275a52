import type { Variable } from '@kindling/autograd';
import { assertLossReduction, type Tensor } from '@kindling/tensor';
import { crossEntropy, mseLoss, nllLoss, type CrossEntropyOptions, type NllLossOptions } from './functional.js';
import type { LossReduction } from './loss-support.js';
import { Module } from './module.js';
import type { Input } from './parameter.js';

/*
 * The loss modules hold their options and call the functional form, as PyTorch's do. Options are
 * checked in the constructor, so a typo fails where the loss is defined rather than mid-training.
 */

function describeOptions(options: Record<string, number | string>, defaults: Record<string, number | string>): string {
  return Object.entries(options)
    .filter(([key, value]) => value !== defaults[key])
    .map(([key, value]) => `${key}=${typeof value === 'string' ? `'${value}'` : value}`)
    .join(', ');
}

/**
 * Cross-entropy on logits and int32 class indices (PyTorch's `nn.CrossEntropyLoss`): a logSoftmax
 * and a negative log-likelihood in one loss, with `reduction`, `ignoreIndex` and `labelSmoothing`.
 *
 * @example
 * const lossFn = new CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = lossFn.forward(net.forward(images), labels);
 */
export class CrossEntropyLoss extends Module {
  readonly reduction: LossReduction;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor(options: CrossEntropyOptions = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    assertLossReduction(this.reduction, 'CrossEntropyLoss');
    if (!Number.isInteger(this.ignoreIndex)) throw new TypeError(`CrossEntropyLoss: ignoreIndex must be an integer, got ${this.ignoreIndex}`);
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) {
      throw new RangeError(`CrossEntropyLoss: labelSmoothing must be in [0, 1], got ${this.labelSmoothing}`);
    }
  }

  forward(logits: Input, target: Tensor): Variable {
    return crossEntropy(logits, target, { reduction: this.reduction, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing });
  }

  override extraRepr(): string {
    const { reduction, ignoreIndex, labelSmoothing } = this;
    return describeOptions({ reduction, ignoreIndex, labelSmoothing }, { reduction: 'mean', ignoreIndex: -100, labelSmoothing: 0 });
  }
}

/** The negative log-likelihood of int32 class indices under log-probabilities (PyTorch's `nn.NLLLoss`). */
export class NLLLoss extends Module {
  readonly reduction: LossReduction;
  readonly ignoreIndex: number;

  constructor(options: NllLossOptions = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
    this.ignoreIndex = options.ignoreIndex ?? -100;
    assertLossReduction(this.reduction, 'NLLLoss');
    if (!Number.isInteger(this.ignoreIndex)) throw new TypeError(`NLLLoss: ignoreIndex must be an integer, got ${this.ignoreIndex}`);
  }

  forward(logProbs: Input, target: Tensor): Variable {
    return nllLoss(logProbs, target, { reduction: this.reduction, ignoreIndex: this.ignoreIndex });
  }

  override extraRepr(): string {
    const { reduction, ignoreIndex } = this;
    return describeOptions({ reduction, ignoreIndex }, { reduction: 'mean', ignoreIndex: -100 });
  }
}

/** The mean squared error between an input and a target of the same shape (PyTorch's `nn.MSELoss`). */
export class MSELoss extends Module {
  readonly reduction: LossReduction;

  constructor(options: { reduction?: LossReduction } = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
    assertLossReduction(this.reduction, 'MSELoss');
  }

  forward(input: Input, target: Input): Variable {
    return mseLoss(input, target, { reduction: this.reduction });
  }

  override extraRepr(): string {
    return describeOptions({ reduction: this.reduction }, { reduction: 'mean' });
  }
}
