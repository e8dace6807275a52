import { rmspropStep, type Tensor } from '@kindling/tensor';
import { Optimizer, type ForeachOption, type OptimizableParameter, type ParamGroup, type ParamGroupInput } from './optimizer.js';
import type { StateKeys } from './state-dict-check.js';

/** The hyperparameters of one RMSprop parameter group. */
export interface RMSpropSettings {
  /** The learning rate (default 0.01). */
  lr: number;
  /** Smoothing constant of the running average of the squared gradient (default 0.99). */
  alpha: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty: `weightDecay * param` is added to the gradient (default 0). */
  weightDecay: number;
  /** The momentum factor (default 0: no momentum buffer). */
  momentum: number;
  /** Normalise by an estimate of the gradient's variance rather than its second moment (default false). */
  centered: boolean;
  /** Maximise the objective: step along the gradient instead of against it (default false). */
  maximize: boolean;
}

/** Options for {@link RMSprop}; every setting has a default. */
export type RMSpropOptions = Partial<RMSpropSettings> & ForeachOption;

/** RMSprop's per-parameter state. `momentumBuffer` exists only with momentum, `gradAvg` only when centered. */
export type RMSpropParamState = {
  /** Steps taken so far (kept as PyTorch keeps it; the update does not use it). */
  step: number;
  squareAvg: Tensor;
  momentumBuffer?: Tensor;
  gradAvg?: Tensor;
};

// The optional tensors are created on the first step that needs them, so a snapshot taken without
// momentum or centering lacks them.
const RMSPROP_STATE_KEYS: StateKeys = { tensors: ['squareAvg', 'momentumBuffer', 'gradAvg'], counters: ['step'], optional: ['momentumBuffer', 'gradAvg'] };

const RMSPROP_DEFAULTS: RMSpropSettings = { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false };

/**
 * RMSprop, following `torch.optim.RMSprop`'s single-tensor update exactly, with weight decay,
 * momentum and the centered variant. Each parameter's update is one fused `rmspropStep` kernel.
 *
 * @example
 * const optimizer = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9, centered: true });
 */
export class RMSprop extends Optimizer<RMSpropSettings, RMSpropParamState> {
  /**
   * @param params - Parameters, or parameter groups such as `[{ params: a, momentum: 0.9 }, { params: b }]`.
   * @param options - Default hyperparameters for the groups.
   */
  constructor(params: Iterable<OptimizableParameter> | Iterable<ParamGroupInput<RMSpropSettings>>, options: RMSpropOptions = {}) {
    super('RMSprop', params, { ...RMSPROP_DEFAULTS, ...options });
  }

  protected override readonly stateKeys = RMSPROP_STATE_KEYS;

  protected override resolveSettings(merged: Partial<RMSpropSettings>): RMSpropSettings {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = { ...RMSPROP_DEFAULTS, ...merged };
    this.requireNonNegative('learning rate', 'lr', lr);
    this.requireNonNegative('epsilon value', 'eps', eps);
    this.requireNonNegative('momentum value', 'momentum', momentum);
    this.requireNonNegative('weightDecay value', 'weightDecay', weightDecay);
    this.requireNonNegative('alpha value', 'alpha', alpha);
    return { lr, alpha, eps, weightDecay, momentum, centered, maximize };
  }

  protected override newState(data: Tensor): RMSpropParamState {
    return { step: 0, squareAvg: this.zeroState(data) };
  }

  protected override update(data: Tensor, grad: Tensor, state: RMSpropParamState, group: ParamGroup<RMSpropSettings>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    // Created on first use rather than with the rest, so turning momentum or centering on for a
    // group mid-training (OneCycleLR sets momentum) starts the buffer from zero instead of failing.
    if (momentum > 0 && !state.momentumBuffer) state.momentumBuffer = this.zeroState(data);
    if (centered && !state.gradAvg) state.gradAvg = this.zeroState(data);
    state.step += 1;
    // A buffer or average kept from an earlier setting is left as it is while the group has it off, as in PyTorch.
    rmspropStep(
      data,
      grad,
      { squareAvg: state.squareAvg, gradAvg: centered ? (state.gradAvg ?? null) : null, momentumBuffer: momentum > 0 ? (state.momentumBuffer ?? null) : null },
      { lr, alpha, eps, weightDecay, momentum, maximize },
    );
  }
}
