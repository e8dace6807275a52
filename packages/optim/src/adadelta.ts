import { adadeltaStep, type Tensor } from '@kindling/tensor';
import { Optimizer, type ForeachOption, type OptimizableParameter, type ParamGroup, type ParamGroupInput } from './optimizer.js';
import type { StateKeys } from './state-dict-check.js';

/** The hyperparameters of one Adadelta parameter group. */
export interface AdadeltaSettings {
  /** Scales the computed step (default 1.0). */
  lr: number;
  /** Decay rate of the running averages of the squared gradient and the squared step, in [0, 1] (default 0.9). */
  rho: number;
  /** Added inside both square roots for numerical stability (default 1e-6). */
  eps: number;
  /** L2 penalty: `weightDecay * param` is added to the gradient (default 0). */
  weightDecay: number;
  /** Maximise the objective: step along the gradient instead of against it (default false). */
  maximize: boolean;
}

/** Options for {@link Adadelta}; every setting has a default. */
export type AdadeltaOptions = Partial<AdadeltaSettings> & ForeachOption;

/** Adadelta's per-parameter state. */
export type AdadeltaParamState = {
  /** Steps taken so far (kept as PyTorch keeps it; the update does not use it). */
  step: number;
  squareAvg: Tensor;
  accDelta: Tensor;
};

const ADADELTA_STATE_KEYS: StateKeys = { tensors: ['squareAvg', 'accDelta'], counters: ['step'], optional: [] };

const ADADELTA_DEFAULTS: AdadeltaSettings = { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false };

/**
 * Adadelta, following `torch.optim.Adadelta`'s single-tensor update exactly: running averages of
 * the squared gradient and of the squared step set each element's step size, and `lr` scales it.
 * Each parameter's update is one fused `adadeltaStep` kernel.
 *
 * @example
 * const optimizer = new Adadelta(model.parameters(), { weightDecay: 1e-4 });
 * loss.backward();
 * await optimizer.step();
 * optimizer.zeroGrad();
 */
export class Adadelta extends Optimizer<AdadeltaSettings, AdadeltaParamState> {
  /**
   * @param params - Parameters, or parameter groups such as `[{ params: a, rho: 0.95 }, { params: b }]`.
   * @param options - Default hyperparameters for the groups.
   */
  constructor(params: Iterable<OptimizableParameter> | Iterable<ParamGroupInput<AdadeltaSettings>>, options: AdadeltaOptions = {}) {
    super('Adadelta', params, { ...ADADELTA_DEFAULTS, ...options });
  }

  protected override readonly stateKeys = ADADELTA_STATE_KEYS;

  protected override resolveSettings(merged: Partial<AdadeltaSettings>): AdadeltaSettings {
    const { lr, rho, eps, weightDecay, maximize } = { ...ADADELTA_DEFAULTS, ...merged };
    this.requireNonNegative('learning rate', 'lr', lr);
    if (!(rho >= 0 && rho <= 1)) throw new RangeError(`Adadelta: invalid rho value: ${rho} (rho must be in [0, 1])`);
    this.requireNonNegative('epsilon value', 'eps', eps);
    this.requireNonNegative('weightDecay value', 'weightDecay', weightDecay);
    return { lr, rho, eps, weightDecay, maximize };
  }

  protected override newState(data: Tensor): AdadeltaParamState {
    return { step: 0, squareAvg: this.zeroState(data), accDelta: this.zeroState(data) };
  }

  protected override update(data: Tensor, grad: Tensor, state: AdadeltaParamState, group: ParamGroup<AdadeltaSettings>): void {
    const { lr, rho, eps, weightDecay, maximize } = group;
    state.step += 1;
    adadeltaStep(data, grad, state, { lr, rho, eps, weightDecay, maximize });
  }
}
