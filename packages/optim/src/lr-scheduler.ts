/**
 * What a scheduler needs from an optimizer: groups whose `lr` it can read and write. Every
 * {@link Optimizer} matches.
 */
export interface SchedulableOptimizer {
  readonly paramGroups: readonly { lr: number }[];
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
  /** Each group's learning rate when the scheduler was built. */
  readonly baseLrs: readonly number[];
  private epoch = 0;
  private lastLrs: number[] = [];

  protected constructor(
    readonly optimizer: SchedulableOptimizer,
    protected readonly name: string,
  ) {
    this.baseLrs = optimizer.paramGroups.map((group) => group.lr);
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

  /** The learning rate at `epoch` for a group whose base rate is `baseLr`. */
  protected abstract closedForm(baseLr: number, epoch: number): number;

  /** Writes the rates for the current epoch; subclasses call it at the end of their constructor. */
  protected apply(): void {
    this.lastLrs = this.baseLrs.map((baseLr) => this.closedForm(baseLr, this.epoch));
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

  protected override closedForm(baseLr: number, epoch: number): number {
    return baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
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

  protected override closedForm(baseLr: number, epoch: number): number {
    const progress = Math.min(this.totalIters, epoch) / this.totalIters;
    return baseLr * (this.startFactor + (this.endFactor - this.startFactor) * progress);
  }
}
