import { sgdStep, tidy, type Tensor } from '@kindling/tensor';
import { Optimizer, type OptimizableParameter, type ParamGroup, type ParamGroupInput } from './optimizer.js';
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
}

/** Options for {@link RMSprop}; every setting has a default. */
export type RMSpropOptions = Partial<RMSpropSettings>;

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

const RMSPROP_DEFAULTS: RMSpropSettings = { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false };

/**
 * RMSprop, following `torch.optim.RMSprop`'s single-tensor update exactly, with weight decay,
 * momentum and the centered variant. The update is composed of tensor ops (the momentum step is
 * the fused SGD kernel, which computes PyTorch's `buf.mul_(momentum).add_(grad / avg)` and
 * `param.add_(buf, alpha=-lr)` in one pass), so it runs on every backend.
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
    const { lr, alpha, eps, weightDecay, momentum, centered } = { ...RMSPROP_DEFAULTS, ...merged };
    this.requireNonNegative('learning rate', 'lr', lr);
    this.requireNonNegative('epsilon value', 'eps', eps);
    this.requireNonNegative('momentum value', 'momentum', momentum);
    this.requireNonNegative('weightDecay value', 'weightDecay', weightDecay);
    this.requireNonNegative('alpha value', 'alpha', alpha);
    return { lr, alpha, eps, weightDecay, momentum, centered };
  }

  protected override updateParameter(param: OptimizableParameter, grad: Tensor, group: ParamGroup<RMSpropSettings>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = group;
    const state = this.stateFor(param, () => ({ step: 0, squareAvg: this.zeroState(param) }));
    // Created on first use rather than with the rest, so turning momentum or centering on for a
    // group mid-training (OneCycleLR sets momentum) starts the buffer from zero instead of failing.
    if (momentum > 0 && !state.momentumBuffer) state.momentumBuffer = this.zeroState(param);
    if (centered && !state.gradAvg) state.gradAvg = this.zeroState(param);
    state.step += 1;
    tidy(() => {
      const g = this.withWeightDecay(param, grad, weightDecay);
      const squareAvg = state.squareAvg.mul(alpha).add(g.mul(g).mul(1 - alpha));
      let variance = squareAvg;
      let gradAvg: Tensor | undefined;
      if (centered && state.gradAvg) {
        gradAvg = state.gradAvg.mul(alpha).add(g.mul(1 - alpha));
        variance = squareAvg.sub(gradAvg.mul(gradAvg));
      }
      const direction = g.div(variance.sqrt().add(eps));
      if (momentum > 0 && state.momentumBuffer) {
        // The buffer starts at zero, so even the first step decays it rather than overwriting it.
        sgdStep(param.data, direction, state.momentumBuffer, { lr, momentum, dampening: 0, weightDecay: 0, nesterov: false, firstStep: false });
      } else {
        this.descend(param, direction, lr);
      }
      this.renewState(state, gradAvg ? { squareAvg, gradAvg } : { squareAvg });
    });
  }
}
