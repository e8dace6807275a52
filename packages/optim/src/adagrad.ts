import { adagradStep, fullLike, type Tensor } from '@kindling/tensor';
import { Optimizer, type ForeachOption, type OptimizableParameter, type ParamGroup, type ParamGroupInput } from './optimizer.js';
import type { StateKeys } from './state-dict-check.js';

/** The hyperparameters of one Adagrad parameter group. */
export interface AdagradSettings {
  /** The learning rate (default 0.01). */
  lr: number;
  /** Step `n` uses `lr / (1 + (n - 1) * lrDecay)` (default 0). */
  lrDecay: number;
  /** L2 penalty: `weightDecay * param` is added to the gradient (default 0). */
  weightDecay: number;
  /** The value the sum of squared gradients starts from (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps: number;
  /** Maximise the objective: step along the gradient instead of against it (default false). */
  maximize: boolean;
}

/** Options for {@link Adagrad}; every setting has a default. */
export type AdagradOptions = Partial<AdagradSettings> & ForeachOption;

/** Adagrad's per-parameter state. */
export type AdagradParamState = {
  /** Steps taken so far, for the learning-rate decay. */
  step: number;
  /** The running sum of squared gradients. */
  sum: Tensor;
};

const ADAGRAD_STATE_KEYS: StateKeys = { tensors: ['sum'], counters: ['step'], optional: [] };

const ADAGRAD_DEFAULTS: AdagradSettings = { lr: 0.01, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false };

/**
 * Adagrad, following `torch.optim.Adagrad`'s single-tensor update (dense gradients) exactly: each
 * element's step is divided by the square root of its sum of squared gradients. The state is
 * created on a parameter's first step (PyTorch creates it in the constructor; the values are the
 * same). Each parameter's update is one fused `adagradStep` kernel.
 *
 * @example
 * const optimizer = new Adagrad(model.parameters(), { lr: 0.1, lrDecay: 1e-4 });
 */
export class Adagrad extends Optimizer<AdagradSettings, AdagradParamState> {
  /**
   * @param params - Parameters, or parameter groups such as `[{ params: a, lr: 0.1 }, { params: b }]`.
   * @param options - Default hyperparameters for the groups.
   */
  constructor(params: Iterable<OptimizableParameter> | Iterable<ParamGroupInput<AdagradSettings>>, options: AdagradOptions = {}) {
    super('Adagrad', params, { ...ADAGRAD_DEFAULTS, ...options });
  }

  protected override readonly stateKeys = ADAGRAD_STATE_KEYS;

  protected override resolveSettings(merged: Partial<AdagradSettings>): AdagradSettings {
    const { lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize } = { ...ADAGRAD_DEFAULTS, ...merged };
    this.requireNonNegative('learning rate', 'lr', lr);
    this.requireNonNegative('lrDecay value', 'lrDecay', lrDecay);
    this.requireNonNegative('weightDecay value', 'weightDecay', weightDecay);
    this.requireNonNegative('initialAccumulatorValue value', 'initialAccumulatorValue', initialAccumulatorValue);
    this.requireNonNegative('epsilon value', 'eps', eps);
    return { lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize };
  }

  protected override newState(data: Tensor, group: ParamGroup<AdagradSettings>): AdagradParamState {
    return { step: 0, sum: fullLike(data, group.initialAccumulatorValue).keep() };
  }

  protected override update(data: Tensor, grad: Tensor, state: AdagradParamState, group: ParamGroup<AdagradSettings>): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = group;
    state.step += 1;
    adagradStep(data, grad, state.sum, { lr, lrDecay, weightDecay, eps, maximize, step: state.step });
  }
}
