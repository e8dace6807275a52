import { sgdStep, type Tensor } from '@kindling/tensor';
import { Optimizer, type ForeachOption, type OptimizableParameter, type ParamGroup, type ParamGroupInput } from './optimizer.js';
import type { StateKeys } from './state-dict-check.js';

/** The hyperparameters of one SGD parameter group. */
export interface SgdSettings {
  /** The learning rate. Required: SGD has no sensible default. */
  lr: number;
  /** The momentum factor; 0 (the default) keeps no state at all. */
  momentum: number;
  /** Dampening for momentum: the new gradient enters the buffer scaled by `1 - dampening`. */
  dampening: number;
  /** L2 penalty: `weightDecay * param` is added to the gradient. */
  weightDecay: number;
  /** Nesterov momentum; needs `momentum > 0` and `dampening = 0`. */
  nesterov: boolean;
}

/** Options for {@link SGD}: every setting is optional here, but `lr` must come from here or from each group. */
export type SgdOptions = Partial<SgdSettings> & ForeachOption;

/** SGD's per-parameter state: the momentum buffer, present only when momentum is on. */
export type SgdParamState = { momentumBuffer: Tensor };

const SGD_STATE_KEYS: StateKeys = { tensors: ['momentumBuffer'], counters: [], optional: [] };

const SGD_DEFAULTS = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false } as const;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight
 * decay, following `torch.optim.SGD`'s update exactly. Each parameter's update is one fused
 * `sgdStep` kernel.
 *
 * @example
 * const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * loss.backward();
 * await optimizer.step();
 * optimizer.zeroGrad();
 */
export class SGD extends Optimizer<SgdSettings, SgdParamState> {
  /**
   * @param params - Parameters, or parameter groups such as `[{ params: a, lr: 0.1 }, { params: b }]`.
   * @param options - Default hyperparameters; `lr` is required unless every group sets its own.
   */
  constructor(params: Iterable<OptimizableParameter> | Iterable<ParamGroupInput<SgdSettings>>, options: SgdOptions = {}) {
    super('SGD', params, { ...SGD_DEFAULTS, ...options });
  }

  protected override readonly stateKeys = SGD_STATE_KEYS;

  protected override resolveSettings(merged: Partial<SgdSettings>): SgdSettings {
    const { lr, momentum, dampening, weightDecay, nesterov } = { ...SGD_DEFAULTS, ...merged };
    // PyTorch's `lr=required`: a silent default learning rate would hide a missing argument.
    if (lr === undefined) throw new TypeError('SGD: lr is required; pass { lr } in the options or give every parameter group its own lr');
    this.requireNonNegative('learning rate', 'lr', lr);
    this.requireNonNegative('momentum value', 'momentum', momentum);
    this.requireNonNegative('weightDecay value', 'weightDecay', weightDecay);
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new RangeError(`SGD: Nesterov momentum requires a momentum and zero dampening, got momentum ${momentum} and dampening ${dampening}`);
    }
    return { lr, momentum, dampening, weightDecay, nesterov };
  }

  protected override newState(data: Tensor, group: ParamGroup<SgdSettings>): SgdParamState | undefined {
    return group.momentum === 0 ? undefined : { momentumBuffer: this.zeroState(data) };
  }

  protected override update(data: Tensor, grad: Tensor, state: SgdParamState | undefined, group: ParamGroup<SgdSettings>, firstStep: boolean): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = group;
    // As PyTorch, the buffer starts as the first (decayed) gradient rather than as zeros, so the
    // kernel is told to overwrite the freshly allocated buffer instead of decaying it.
    const momentumBuffer = momentum === 0 ? null : (state?.momentumBuffer ?? null);
    sgdStep(data, grad, momentumBuffer, { lr, momentum, dampening, weightDecay, nesterov, firstStep: momentumBuffer !== null && firstStep });
  }
}
