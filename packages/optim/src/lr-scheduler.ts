import { checkSchedulerSettings, type SchedulerSetting } from './scheduler-settings.js';
import { describeValue } from './state-dict-check.js';

/**
 * What a scheduler needs from an optimizer: groups whose `lr` it can read and write. Every
 * {@link Optimizer} matches.
 */
export interface SchedulableOptimizer {
  readonly paramGroups: readonly { lr: number }[];
}

/** A snapshot of a scheduler, as `stateDict()` writes it. */
export interface LRSchedulerStateDict {
  /** How many times `step()` had been called. */
  lastEpoch: number;
  /** Each group's base learning rate. */
  baseLrs: number[];
  /** The scheduler's settings (`stepSize`, `gamma`, ...); the scheduler loading it must have the same. */
  settings: Record<string, SchedulerSetting>;
}

/**
 * The base of the learning-rate schedulers, after `torch.optim.lr_scheduler.LRScheduler`. Building a
 * scheduler records each group's current `lr` as its base and applies epoch 0; each `step()` moves
 * to the next epoch and writes the new rates into the optimizer's groups.
 *
 * The rates come from PyTorch's closed forms (a function of the base rate and the epoch) rather than
 * from multiplying the previous rate, so rounding does not accumulate over long runs. A consequence:
 * a scheduler overwrites any `lr` set by hand between its steps.
 */
export abstract class LRScheduler {
  private epoch = 0;
  private lastLrs: number[] = [];
  private bases: readonly number[];

  /**
   * @param baseLrs - Each group's base rate; by default the group's current `lr` (OneCycleLR derives
   *   its own from `maxLr`).
   */
  protected constructor(
    readonly optimizer: SchedulableOptimizer,
    protected readonly name: string,
    baseLrs: readonly number[] = optimizer.paramGroups.map((group) => group.lr),
  ) {
    this.bases = baseLrs;
  }

  /** Each group's learning rate when the scheduler was built (or as `loadStateDict` restored it). */
  get baseLrs(): readonly number[] {
    return this.bases;
  }

  /** How many times `step()` has been called. */
  get lastEpoch(): number {
    return this.epoch;
  }

  /**
   * Moves to the next epoch and updates the optimizer's learning rates. Call it after
   * `optimizer.step()`, once per epoch (or per iteration, for per-iteration schedules).
   */
  step(): void {
    this.epoch += 1;
    this.apply();
  }

  /** The learning rate of each group as this scheduler last set it. */
  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  /** The epoch count, base rates and settings, for `loadStateDict` (PyTorch's `state_dict()`). */
  stateDict(): LRSchedulerStateDict {
    return { lastEpoch: this.epoch, baseLrs: [...this.bases], settings: this.settings() };
  }

  /**
   * Restores the epoch count and base rates from `stateDict()`, after checking them all: one base
   * rate per optimizer group, and the same settings as this scheduler (another scheduler's state is
   * refused). The optimizer's rates are left alone: its own `loadStateDict` restores them, and the
   * next `step()` writes the schedule's.
   */
  loadStateDict(stateDict: LRSchedulerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    const saved: unknown = stateDict;
    if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) {
      throw new TypeError(`${where}: expected { lastEpoch, baseLrs, settings } as stateDict() writes it, got ${describeValue(saved)}`);
    }
    const { lastEpoch, baseLrs, settings } = saved as Partial<Record<keyof LRSchedulerStateDict, unknown>>;
    if (typeof lastEpoch !== 'number' || !Number.isInteger(lastEpoch) || lastEpoch < 0) {
      throw new TypeError(`${where}: 'lastEpoch' should be a non-negative integer, got ${describeValue(lastEpoch)}`);
    }
    const groups = this.optimizer.paramGroups.length;
    if (!Array.isArray(baseLrs) || baseLrs.length !== groups) {
      throw new Error(`${where}: 'baseLrs' should hold one learning rate per parameter group (${groups}), got ${Array.isArray(baseLrs) ? `${baseLrs.length}` : describeValue(baseLrs)}`);
    }
    baseLrs.forEach((lr: unknown, g) => {
      if (typeof lr !== 'number' || !(lr >= 0)) throw new RangeError(`${where}: 'baseLrs' of parameter group ${g} should be a learning rate >= 0, got ${describeValue(lr)}`);
    });
    checkSchedulerSettings(where, this.name, this.settings(), settings);
    this.bases = [...(baseLrs as number[])];
    this.epoch = lastEpoch;
    this.lastLrs = this.bases.map((baseLr, group) => this.closedForm(baseLr, this.epoch, group));
  }

  /** The settings this scheduler was built with, by their option names. */
  protected abstract settings(): Record<string, SchedulerSetting>;

  /** The learning rate at `epoch` for parameter group `group`, whose base rate is `baseLr`. */
  protected abstract closedForm(baseLr: number, epoch: number, group: number): number;

  /** Writes the rates for the current epoch; subclasses call it at the end of their constructor. */
  protected apply(): void {
    this.lastLrs = this.baseLrs.map((baseLr, group) => this.closedForm(baseLr, this.epoch, group));
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = this.lastLrs[i] ?? group.lr;
    });
  }

  protected requireNumber(key: string, value: number, ok: boolean, rule: string): void {
    if (!ok) throw new RangeError(`${this.name}: invalid ${key}: ${value} (${rule})`);
  }
}

/** Options for {@link StepLR}. */
export interface StepLROptions {
  /** Epochs between decays: a positive integer. */
  stepSize: number;
  /** The factor applied every `stepSize` epochs (default 0.1). */
  gamma?: number;
}

/**
 * Multiplies the learning rate by `gamma` every `stepSize` epochs: `baseLr * gamma ** floor(epoch / stepSize)`.
 *
 * @example
 * const scheduler = new StepLR(optimizer, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { await train(); scheduler.step(); }
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: SchedulableOptimizer, { stepSize, gamma = 0.1 }: StepLROptions) {
    super(optimizer, 'StepLR');
    this.requireNumber('stepSize', stepSize, Number.isInteger(stepSize) && stepSize > 0, 'stepSize must be a positive integer');
    this.requireNumber('gamma', gamma, gamma >= 0, 'gamma must be >= 0');
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.apply();
  }

  protected override settings(): Record<string, SchedulerSetting> {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }

  protected override closedForm(baseLr: number, epoch: number): number {
    return baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/** Options for {@link MultiStepLR}. */
export interface MultiStepLROptions {
  /** Epochs at which to decay: non-negative integers in non-decreasing order (or the second argument, in PyTorch's order). */
  milestones?: readonly number[];
  /** The factor applied at each milestone (default 0.1). */
  gamma?: number;
}

/**
 * Multiplies the learning rate by `gamma` at each milestone epoch:
 * `baseLr * gamma ** (number of milestones <= epoch)`. A milestone listed twice applies `gamma`
 * twice, as in PyTorch.
 *
 * @example
 * const scheduler = new MultiStepLR(optimizer, { milestones: [30, 80], gamma: 0.1 }); // 0.05, then 0.005 from epoch 30, 0.0005 from 80
 * new MultiStepLR(optimizer, [30, 80], { gamma: 0.1 }); // the same, in PyTorch's order
 */
export class MultiStepLR extends LRScheduler {
  readonly milestones: readonly number[];
  readonly gamma: number;

  /** Options first, as every scheduler takes them: `{ milestones, gamma }`. */
  constructor(optimizer: SchedulableOptimizer, options: MultiStepLROptions & { milestones: readonly number[] });
  /** PyTorch's order: `MultiStepLR(optimizer, milestones, { gamma })`. */
  constructor(optimizer: SchedulableOptimizer, milestones: readonly number[], options?: MultiStepLROptions);
  constructor(optimizer: SchedulableOptimizer, milestonesOrOptions: readonly number[] | MultiStepLROptions, options: MultiStepLROptions = {}) {
    super(optimizer, 'MultiStepLR');
    const inOptions = !Array.isArray(milestonesOrOptions) && typeof milestonesOrOptions === 'object' && milestonesOrOptions !== null;
    const { milestones, gamma = 0.1 } = inOptions ? (milestonesOrOptions as MultiStepLROptions) : { ...options, milestones: milestonesOrOptions as readonly number[] };
    if (!Array.isArray(milestones)) throw new TypeError(`MultiStepLR: milestones must be an array of epochs, got ${describeValue(milestones)}`);
    milestones.forEach((milestone: number, i) => {
      const previous = i > 0 ? (milestones[i - 1] as number) : 0;
      this.requireNumber(`milestone at index ${i}`, milestone, Number.isInteger(milestone) && milestone >= previous, 'milestones must be non-negative integers in non-decreasing order');
    });
    this.requireNumber('gamma', gamma, gamma >= 0, 'gamma must be >= 0');
    this.milestones = [...milestones];
    this.gamma = gamma;
    this.apply();
  }

  protected override settings(): Record<string, SchedulerSetting> {
    return { milestones: this.milestones, gamma: this.gamma };
  }

  protected override closedForm(baseLr: number, epoch: number): number {
    const passed = this.milestones.filter((milestone) => milestone <= epoch).length;
    return baseLr * this.gamma ** passed;
  }
}

/** Options for {@link ExponentialLR}. */
export interface ExponentialLROptions {
  /** The factor applied every epoch. */
  gamma: number;
}

/**
 * Multiplies the learning rate by `gamma` every epoch: `baseLr * gamma ** epoch`.
 *
 * @example
 * const scheduler = new ExponentialLR(optimizer, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: SchedulableOptimizer, { gamma }: ExponentialLROptions) {
    super(optimizer, 'ExponentialLR');
    this.requireNumber('gamma', gamma, gamma >= 0, 'gamma must be >= 0');
    this.gamma = gamma;
    this.apply();
  }

  protected override settings(): Record<string, SchedulerSetting> {
    return { gamma: this.gamma };
  }

  protected override closedForm(baseLr: number, epoch: number): number {
    return baseLr * this.gamma ** epoch;
  }
}

/** Options for {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** Epochs from the base rate down to `etaMin`: a positive integer. */
  tMax: number;
  /** The lowest learning rate (default 0). */
  etaMin?: number;
}

/**
 * Anneals the learning rate along a cosine from the base rate to `etaMin` over `tMax` epochs:
 * `etaMin + (baseLr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2`. Past `tMax` it rises again, as
 * PyTorch's does (SGDR without restarts).
 *
 * @example
 * const scheduler = new CosineAnnealingLR(optimizer, { tMax: epochs });
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: SchedulableOptimizer, { tMax, etaMin = 0 }: CosineAnnealingLROptions) {
    super(optimizer, 'CosineAnnealingLR');
    this.requireNumber('tMax', tMax, Number.isInteger(tMax) && tMax > 0, 'tMax must be a positive integer');
    this.requireNumber('etaMin', etaMin, etaMin >= 0, 'etaMin must be >= 0');
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.apply();
  }

  protected override settings(): Record<string, SchedulerSetting> {
    return { tMax: this.tMax, etaMin: this.etaMin };
  }

  protected override closedForm(baseLr: number, epoch: number): number {
    return this.etaMin + ((baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

/** Options for {@link LinearLR}. */
export interface LinearLROptions {
  /** The factor at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** The factor from `totalIters` on, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs over which the factor moves linearly (default 5). */
  totalIters?: number;
}

/**
 * Scales the learning rate by a factor that moves linearly from `startFactor` to `endFactor` over
 * `totalIters` epochs, then stays there; a common warm-up.
 *
 * @example
 * const warmup = new LinearLR(optimizer, { startFactor: 0.1, totalIters: 500 });
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: SchedulableOptimizer, { startFactor = 1 / 3, endFactor = 1, totalIters = 5 }: LinearLROptions = {}) {
    super(optimizer, 'LinearLR');
    this.requireNumber('startFactor', startFactor, startFactor > 0 && startFactor <= 1, 'startFactor must be in (0, 1]');
    this.requireNumber('endFactor', endFactor, endFactor >= 0 && endFactor <= 1, 'endFactor must be in [0, 1]');
    this.requireNumber('totalIters', totalIters, Number.isInteger(totalIters) && totalIters > 0, 'totalIters must be a positive integer');
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.apply();
  }

  protected override settings(): Record<string, SchedulerSetting> {
    return { startFactor: this.startFactor, endFactor: this.endFactor, totalIters: this.totalIters };
  }

  protected override closedForm(baseLr: number, epoch: number): number {
    const progress = Math.min(this.totalIters, epoch) / this.totalIters;
    return baseLr * (this.startFactor + (this.endFactor - this.startFactor) * progress);
  }
}
