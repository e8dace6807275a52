import type { Variable } from '@kindling/autograd';
import { assertLossReduction, type Tensor } from '@kindling/tensor';
import * as F from './functional.js';
import type { LossReduction } from './loss-support.js';
import { Module } from './module.js';
import type { Input } from './parameter.js';
import { assertKlDivReduction } from './pointwise-losses.js';

/*
 * The loss modules hold their options and call the functional form, as PyTorch's do. Options are
 * checked in the constructor, so a typo fails where the loss is defined rather than mid-training.
 */

function describeOptions(options: Record<string, number | string | boolean>, defaults: Record<string, number | string | boolean>): string {
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

  constructor(options: F.CrossEntropyOptions = {}) {
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
    return F.crossEntropy(logits, target, { reduction: this.reduction, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing });
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

  constructor(options: F.NllLossOptions = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
    this.ignoreIndex = options.ignoreIndex ?? -100;
    assertLossReduction(this.reduction, 'NLLLoss');
    if (!Number.isInteger(this.ignoreIndex)) throw new TypeError(`NLLLoss: ignoreIndex must be an integer, got ${this.ignoreIndex}`);
  }

  forward(logProbs: Input, target: Tensor): Variable {
    return F.nllLoss(logProbs, target, { reduction: this.reduction, ignoreIndex: this.ignoreIndex });
  }

  override extraRepr(): string {
    const { reduction, ignoreIndex } = this;
    return describeOptions({ reduction, ignoreIndex }, { reduction: 'mean', ignoreIndex: -100 });
  }
}

/**
 * A loss that compares an input with a target of the same shape and holds a `reduction`; subclasses
 * add their options and describe them in `extraRepr`.
 */
abstract class ReducedLoss extends Module {
  readonly reduction: LossReduction;

  constructor(reduction: LossReduction | undefined) {
    super();
    this.reduction = reduction ?? 'mean';
    assertLossReduction(this.reduction, this.constructor.name);
  }

  override extraRepr(): string {
    return describeOptions({ reduction: this.reduction }, { reduction: 'mean' });
  }
}

/** The mean squared error between an input and a target of the same shape (PyTorch's `nn.MSELoss`). */
export class MSELoss extends ReducedLoss {
  constructor(options: F.ReductionOptions = {}) {
    super(options.reduction);
  }

  forward(input: Input, target: Input): Variable {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Binary cross-entropy on probabilities (PyTorch's `nn.BCELoss`), with an optional per-element
 * `weight`; each log is floored at -100.
 *
 * @example
 * const loss = new BCELoss().forward(net.forward(x).sigmoid(), labels);
 */
export class BCELoss extends ReducedLoss {
  readonly weight: Input | undefined;

  constructor(options: F.BinaryCrossEntropyOptions = {}) {
    super(options.reduction);
    this.weight = options.weight;
  }

  forward(input: Input, target: Input): Variable {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Binary cross-entropy on logits, stable for any logit (PyTorch's `nn.BCEWithLogitsLoss`), with
 * optional `weight` and `posWeight`.
 *
 * @example
 * const lossFn = new BCEWithLogitsLoss({ posWeight: tensor([2, 1, 5]) }); // one per class
 * const loss = lossFn.forward(net.forward(x), labels);
 */
export class BCEWithLogitsLoss extends ReducedLoss {
  readonly weight: Input | undefined;
  readonly posWeight: Input | undefined;

  constructor(options: F.BinaryCrossEntropyWithLogitsOptions = {}) {
    super(options.reduction);
    this.weight = options.weight;
    this.posWeight = options.posWeight;
  }

  forward(input: Input, target: Input): Variable {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}

/** The mean absolute error between an input and a target of the same shape (PyTorch's `nn.L1Loss`). */
export class L1Loss extends ReducedLoss {
  constructor(options: F.ReductionOptions = {}) {
    super(options.reduction);
  }

  forward(input: Input, target: Input): Variable {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Quadratic below |input − target| = beta, linear above (PyTorch's `nn.SmoothL1Loss`). */
export class SmoothL1Loss extends ReducedLoss {
  readonly beta: number;

  constructor(options: F.SmoothL1LossOptions = {}) {
    super(options.reduction);
    this.beta = options.beta ?? 1;
    if (!(this.beta >= 0 && Number.isFinite(this.beta))) throw new RangeError(`SmoothL1Loss: beta must be a finite number ≥ 0, got ${this.beta}`);
  }

  forward(input: Input, target: Input): Variable {
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }

  override extraRepr(): string {
    return describeOptions({ reduction: this.reduction, beta: this.beta }, { reduction: 'mean', beta: 1 });
  }
}

/** Quadratic below |input − target| = delta, linear with slope delta above (PyTorch's `nn.HuberLoss`). */
export class HuberLoss extends ReducedLoss {
  readonly delta: number;

  constructor(options: F.HuberLossOptions = {}) {
    super(options.reduction);
    this.delta = options.delta ?? 1;
    if (!(this.delta > 0 && Number.isFinite(this.delta))) throw new RangeError(`HuberLoss: delta must be a finite number > 0, got ${this.delta}`);
  }

  forward(input: Input, target: Input): Variable {
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }

  override extraRepr(): string {
    return describeOptions({ reduction: this.reduction, delta: this.delta }, { reduction: 'mean', delta: 1 });
  }
}

/**
 * The Kullback-Leibler divergence between log-probabilities and a target distribution (PyTorch's
 * `nn.KLDivLoss`); `reduction: 'batchmean'` gives the divergence per sample.
 */
export class KLDivLoss extends Module {
  readonly reduction: F.KlDivReduction;
  readonly logTarget: boolean;

  constructor(options: F.KlDivOptions = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
    this.logTarget = options.logTarget ?? false;
    assertKlDivReduction(this.reduction, 'KLDivLoss');
  }

  forward(logProbs: Input, target: Input): Variable {
    return F.klDiv(logProbs, target, { reduction: this.reduction, logTarget: this.logTarget });
  }

  override extraRepr(): string {
    return describeOptions({ reduction: this.reduction, logTarget: this.logTarget }, { reduction: 'mean', logTarget: false });
  }
}
