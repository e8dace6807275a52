import { LRScheduler, type SchedulableOptimizer } from './lr-scheduler.js';
import { perGroup, type SchedulerSetting } from './scheduler-settings.js';

/** How OneCycleLR moves between its phase endpoints. */
export type AnnealStrategy = 'cos' | 'linear';

/**
 * What OneCycleLR needs from an optimizer: groups whose `lr` it writes, and, to cycle momentum, a
 * `momentum` (SGD, RMSprop) or `betas` (Adam, whose first beta it cycles) among the optimizer's
 * defaults. Every {@link Optimizer} matches.
 */
export interface MomentumSchedulableOptimizer extends SchedulableOptimizer {
  readonly defaults: object;
  readonly paramGroups: readonly { lr: number; momentum?: number; betas?: readonly [number, number] }[];
}

/** Options for {@link OneCycleLR}: `maxLr`, and either `totalSteps` or both `epochs` and `stepsPerEpoch`. */
export interface OneCycleLROptions {
  /** The peak learning rate, for every group or one per group. */
  maxLr: number | readonly number[];
  /** Steps in the cycle: a positive integer. */
  totalSteps?: number;
  /** With `stepsPerEpoch`, gives `totalSteps = epochs * stepsPerEpoch`. */
  epochs?: number;
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent raising the rate, in [0, 1] (default 0.3). */
  pctStart?: number;
  /** 'cos' (the default) or 'linear'. */
  annealStrategy?: AnnealStrategy;
  /** The starting rate is `maxLr / divFactor` (default 25). */
  divFactor?: number;
  /** The final rate is the starting rate divided by `finalDivFactor` (default 1e4). */
  finalDivFactor?: number;
  /** Fast.ai's three phases: up, back down to the starting rate, then down to the final rate (default false). */
  threePhase?: boolean;
  /** Move momentum (or Adam's first beta) opposite to the rate, between the two bounds below (default true). */
  cycleMomentum?: boolean;
  /** The lower momentum bound, for every group or one per group (default 0.85). */
  baseMomentum?: number | readonly number[];
  /** The upper momentum bound, for every group or one per group (default 0.95). */
  maxMomentum?: number | readonly number[];
}

/** One phase of the cycle: where it ends and the endpoints it anneals between, per group. */
interface Phase {
  endStep: number;
  lr: (group: number) => [number, number];
  momentum: (group: number) => [number, number];
}

/**
 * The 1cycle policy (`torch.optim.lr_scheduler.OneCycleLR`): the rate rises from
 * `maxLr / divFactor` to `maxLr` over the first `pctStart` of the cycle, then falls to
 * `maxLr / divFactor / finalDivFactor`; momentum moves the other way. Step it after every batch,
 * `totalSteps` times in all; one step more is an error.
 *
 * @example
 * const scheduler = new OneCycleLR(optimizer, { maxLr: 0.1, epochs: 10, stepsPerEpoch: batches });
 * // after each optimizer.step(): scheduler.step();
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly maxLrs: readonly number[];
  readonly pctStart: number;
  readonly annealStrategy: AnnealStrategy;
  readonly divFactor: number;
  readonly finalDivFactor: number;
  readonly threePhase: boolean;
  readonly cycleMomentum: boolean;
  readonly baseMomentums: readonly number[];
  readonly maxMomentums: readonly number[];
  /** Whether momentum is Adam's first beta rather than a `momentum` setting. */
  private readonly useBeta1: boolean;
  private readonly phases: readonly Phase[];
  private readonly groups: MomentumSchedulableOptimizer['paramGroups'];

  constructor(optimizer: MomentumSchedulableOptimizer, options: OneCycleLROptions) {
    const { maxLr, pctStart = 0.3, annealStrategy = 'cos', divFactor = 25, finalDivFactor = 1e4, threePhase = false } = options;
    const { cycleMomentum = true, baseMomentum = 0.85, maxMomentum = 0.95 } = options;
    const groups = optimizer.paramGroups.length;
    const maxLrs = perGroup('OneCycleLR', 'maxLr', maxLr, groups);
    super(optimizer, 'OneCycleLR', maxLrs.map((lr) => lr / divFactor));
    this.groups = optimizer.paramGroups;
    this.totalSteps = this.resolveTotalSteps(options);
    maxLrs.forEach((lr, g) => this.requireNumber(`maxLr of group ${g}`, lr, lr >= 0, 'maxLr must be >= 0'));
    this.requireNumber('pctStart', pctStart, pctStart >= 0 && pctStart <= 1, 'pctStart must be in [0, 1]');
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
      throw new RangeError(`OneCycleLR: annealStrategy must be 'cos' or 'linear', got ${JSON.stringify(annealStrategy)}`);
    }
    this.requireNumber('divFactor', divFactor, divFactor > 0, 'divFactor must be > 0');
    this.requireNumber('finalDivFactor', finalDivFactor, finalDivFactor > 0, 'finalDivFactor must be > 0');
    this.useBeta1 = 'betas' in optimizer.defaults;
    if (cycleMomentum && !this.useBeta1 && !('momentum' in optimizer.defaults)) {
      throw new Error('OneCycleLR: cycleMomentum needs an optimizer with a momentum or betas setting (SGD, RMSprop, Adam); pass { cycleMomentum: false } for this one');
    }
    this.maxLrs = maxLrs;
    this.pctStart = pctStart;
    this.annealStrategy = annealStrategy;
    this.divFactor = divFactor;
    this.finalDivFactor = finalDivFactor;
    this.threePhase = threePhase;
    this.cycleMomentum = cycleMomentum;
    this.baseMomentums = perGroup('OneCycleLR', 'baseMomentum', baseMomentum, groups);
    this.maxMomentums = perGroup('OneCycleLR', 'maxMomentum', maxMomentum, groups);
    this.phases = this.buildPhases();
    this.apply();
  }

  /** Moves to the next step; throws once the cycle's `totalSteps` steps have been taken. */
  override step(): void {
    if (this.lastEpoch + 1 > this.totalSteps) {
      throw new RangeError(`OneCycleLR: tried to step ${this.lastEpoch + 2} times, but totalSteps is ${this.totalSteps}; build the scheduler with more steps`);
    }
    super.step();
  }

  protected override settings(): Record<string, SchedulerSetting> {
    const { totalSteps, maxLrs, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase, cycleMomentum, baseMomentums, maxMomentums } = this;
    return { totalSteps, maxLr: maxLrs, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase, cycleMomentum, baseMomentum: baseMomentums, maxMomentum: maxMomentums };
  }

  protected override closedForm(baseLr: number, epoch: number, group: number): number {
    const { phase, pct } = this.phaseAt(epoch);
    const [start, end] = phase.lr(group);
    return this.anneal(start, end, pct);
  }

  /** Writes the rates, then (with cycleMomentum) each group's momentum or first beta. */
  protected override apply(): void {
    super.apply();
    if (!this.cycleMomentum) return;
    const { phase, pct } = this.phaseAt(this.lastEpoch);
    this.groups.forEach((group, g) => {
      const [start, end] = phase.momentum(g);
      const momentum = this.anneal(start, end, pct);
      if (!this.useBeta1) group.momentum = momentum;
      else if (group.betas) group.betas = [momentum, group.betas[1]];
    });
  }

  private resolveTotalSteps({ totalSteps, epochs, stepsPerEpoch }: OneCycleLROptions): number {
    const rule = 'must be a positive integer';
    if (totalSteps !== undefined) {
      this.requireNumber('totalSteps', totalSteps, Number.isInteger(totalSteps) && totalSteps > 0, `totalSteps ${rule}`);
      return totalSteps;
    }
    if (epochs === undefined || stepsPerEpoch === undefined) {
      throw new TypeError('OneCycleLR: pass either totalSteps or both epochs and stepsPerEpoch');
    }
    this.requireNumber('epochs', epochs, Number.isInteger(epochs) && epochs > 0, `epochs ${rule}`);
    this.requireNumber('stepsPerEpoch', stepsPerEpoch, Number.isInteger(stepsPerEpoch) && stepsPerEpoch > 0, `stepsPerEpoch ${rule}`);
    return epochs * stepsPerEpoch;
  }

  // PyTorch's phase table, with the same float step boundaries.
  private buildPhases(): Phase[] {
    const initial = (g: number): number => this.baseLrs[g] as number;
    const peak = (g: number): number => this.maxLrs[g] as number;
    const final = (g: number): number => initial(g) / this.finalDivFactor;
    const low = (g: number): number => this.baseMomentums[g] as number;
    const high = (g: number): number => this.maxMomentums[g] as number;
    const rise = this.pctStart * this.totalSteps - 1;
    const up: Phase = { endStep: rise, lr: (g) => [initial(g), peak(g)], momentum: (g) => [high(g), low(g)] };
    const last = this.totalSteps - 1;
    if (!this.threePhase) return [up, { endStep: last, lr: (g) => [peak(g), final(g)], momentum: (g) => [low(g), high(g)] }];
    return [
      up,
      { endStep: 2 * this.pctStart * this.totalSteps - 2, lr: (g) => [peak(g), initial(g)], momentum: (g) => [low(g), high(g)] },
      { endStep: last, lr: (g) => [initial(g), final(g)], momentum: (g) => [high(g), high(g)] },
    ];
  }

  private phaseAt(step: number): { phase: Phase; pct: number } {
    let startStep = 0;
    for (const [i, phase] of this.phases.entries()) {
      if (step <= phase.endStep || i === this.phases.length - 1) return { phase, pct: (step - startStep) / (phase.endStep - startStep) };
      startStep = phase.endStep;
    }
    throw new Error('OneCycleLR: no phases');
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }
}
