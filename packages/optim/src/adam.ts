import { adamStep, type Tensor } from '@kindling/tensor';
import { Optimizer, type ForeachOption, type OptimizableParameter, type ParamGroup, type ParamGroupInput } from './optimizer.js';
import type { StateKeys } from './state-dict-check.js';

/** The hyperparameters of one Adam (or AdamW) parameter group. */
export interface AdamSettings {
  /** The learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** Weight decay: an L2 penalty for Adam, a direct shrink of the parameter for AdamW. */
  weightDecay: number;
  /** Divide by the running maximum of the second moment (the AMSGrad variant). */
  amsgrad: boolean;
  /** Decay the parameter directly (`param *= 1 - lr * weightDecay`) instead of through the gradient: AdamW. */
  decoupledWeightDecay: boolean;
}

/** Options for {@link Adam}; every setting has a default. */
export type AdamOptions = Partial<AdamSettings> & ForeachOption;

/** Options for {@link AdamW}: Adam's, with the weight decay always decoupled. */
export type AdamWOptions = Omit<AdamOptions, 'decoupledWeightDecay'>;

/** Adam's per-parameter state. `maxExpAvgSq` exists only with amsgrad. */
export type AdamParamState = {
  /** Steps taken so far, for bias correction. */
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  maxExpAvgSq?: Tensor;
};

// maxExpAvgSq is created on the first amsgrad step, so a snapshot taken without amsgrad lacks it.
const ADAM_STATE_KEYS: StateKeys = { tensors: ['expAvg', 'expAvgSq', 'maxExpAvgSq'], counters: ['step'], optional: ['maxExpAvgSq'] };

const ADAM_DEFAULTS: AdamSettings = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, decoupledWeightDecay: false };

/**
 * Adam, following `torch.optim.Adam`'s update exactly, including weight decay and amsgrad. With
 * `decoupledWeightDecay` it is AdamW (see {@link AdamW}). Each parameter's update is one fused
 * `adamStep` kernel, or one for
 * a whole group packed together.
 *
 * @example
 * const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
 * loss.backward();
 * await optimizer.step();
 * optimizer.zeroGrad();
 */
export class Adam extends Optimizer<AdamSettings, AdamParamState> {
  /**
   * @param params - Parameters, or parameter groups such as `[{ params: a, lr: 0.1 }, { params: b }]`.
   * @param options - Default hyperparameters for the groups.
   */
  constructor(params: Iterable<OptimizableParameter> | Iterable<ParamGroupInput<AdamSettings>>, options: AdamOptions = {}) {
    super(options.decoupledWeightDecay ? 'AdamW' : 'Adam', params, { ...ADAM_DEFAULTS, ...options });
  }

  protected override readonly stateKeys = ADAM_STATE_KEYS;

  protected override resolveSettings(merged: Partial<AdamSettings>): AdamSettings {
    const { lr, betas, eps, weightDecay, amsgrad, decoupledWeightDecay } = { ...ADAM_DEFAULTS, ...merged };
    this.requireNonNegative('learning rate', 'lr', lr);
    this.requireNonNegative('epsilon value', 'eps', eps);
    if (!Array.isArray(betas) || betas.length !== 2) {
      throw new TypeError(`${this.name}: betas must be a pair [beta1, beta2], got ${JSON.stringify(betas)}`);
    }
    betas.forEach((beta, i) => {
      if (!(beta >= 0 && beta < 1)) throw new RangeError(`${this.name}: invalid beta parameter at index ${i}: ${beta} (betas must be in [0, 1))`);
    });
    this.requireNonNegative('weightDecay value', 'weightDecay', weightDecay);
    return { lr, betas: [betas[0], betas[1]], eps, weightDecay, amsgrad, decoupledWeightDecay };
  }

  protected override newState(data: Tensor): AdamParamState {
    return { step: 0, expAvg: this.zeroState(data), expAvgSq: this.zeroState(data) };
  }

  protected override update(data: Tensor, grad: Tensor, state: AdamParamState, group: ParamGroup<AdamSettings>): void {
    const { lr, betas, eps, weightDecay, amsgrad, decoupledWeightDecay } = group;
    // Created on first use rather than with the rest, so turning amsgrad on for a group mid-training
    // starts its running maximum from zero instead of failing.
    if (amsgrad && !state.maxExpAvgSq) state.maxExpAvgSq = this.zeroState(data);
    state.step += 1;
    adamStep(
      data,
      grad,
      { expAvg: state.expAvg, expAvgSq: state.expAvgSq, maxExpAvgSq: amsgrad ? (state.maxExpAvgSq ?? null) : null },
      { lr, beta1: betas[0], beta2: betas[1], eps, weightDecay, decoupledWeightDecay, step: state.step },
    );
  }
}

/**
 * AdamW: Adam with decoupled weight decay (`torch.optim.AdamW`), which shrinks each parameter by
 * `lr * weightDecay` directly instead of adding an L2 term to the gradient. The default weight
 * decay is 0.01, as in PyTorch.
 *
 * @example
 * const optimizer = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 */
export class AdamW extends Adam {
  constructor(params: Iterable<OptimizableParameter> | Iterable<ParamGroupInput<AdamWOptions>>, options: AdamWOptions = {}) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 0.01, decoupledWeightDecay: true });
  }
}
