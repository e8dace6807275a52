import type { SchedulableOptimizer } from './lr-scheduler.js';
import { checkSchedulerSettings, perGroup, type SchedulerSetting } from './scheduler-settings.js';
import { describeValue } from './state-dict-check.js';

/** Whether a lower metric is better ('min', a loss) or a higher one ('max', an accuracy). */
export type PlateauMode = 'min' | 'max';

/** Whether an improvement must beat the best by a fraction of it ('rel') or by an amount ('abs'). */
export type ThresholdMode = 'rel' | 'abs';

/** Options for {@link ReduceLROnPlateau}; every setting has a default. */
export interface ReduceLROnPlateauOptions {
  /** 'min' (the default) or 'max'. */
  mode?: PlateauMode;
  /** The factor applied to the rate on a plateau, in [0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing: a non-negative integer (default 10). */
  patience?: number;
  /** How much better than the best a metric must be to count as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (the default) or 'abs'. */
  thresholdMode?: ThresholdMode;
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** The lowest rate, for every group or one per group (default 0). */
  minLr?: number | readonly number[];
  /** A reduction smaller than this is skipped (default 1e-8). */
  eps?: number;
}

/** A snapshot of a {@link ReduceLROnPlateau}, as `stateDict()` writes it. */
export interface ReduceLROnPlateauStateDict {
  /** How many times `step()` had been called. */
  lastEpoch: number;
  /** The best metric so far; ±Infinity (the worst for the mode) before the first step. */
  best: number;
  numBadEpochs: number;
  cooldownCounter: number;
  /** The scheduler's settings; the scheduler loading it must have the same. */
  settings: Record<string, SchedulerSetting>;
}

/**
 * Reduces each group's learning rate by `factor` when a metric has stopped improving for more than
 * `patience` epochs (`torch.optim.lr_scheduler.ReduceLROnPlateau`). Unlike the other schedulers it
 * follows the metric rather than the epoch count, so it reads and writes the optimizer's current
 * rates. A NaN metric is never an improvement, as in PyTorch.
 *
 * @example
 * const scheduler = new ReduceLROnPlateau(optimizer, { patience: 5 });
 * for (let epoch = 0; epoch < 100; epoch++) { await train(); scheduler.step(await validationLoss()); }
 */
export class ReduceLROnPlateau {
  readonly mode: PlateauMode;
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: ThresholdMode;
  readonly cooldown: number;
  readonly minLrs: readonly number[];
  readonly eps: number;
  private epoch = 0;
  private bestMetric: number;
  private badEpochs = 0;
  private cooldownLeft = 0;

  constructor(
    readonly optimizer: SchedulableOptimizer,
    { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 }: ReduceLROnPlateauOptions = {},
  ) {
    if (mode !== 'min' && mode !== 'max') throw new RangeError(`ReduceLROnPlateau: mode must be 'min' or 'max', got ${JSON.stringify(mode)}`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') {
      throw new RangeError(`ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got ${JSON.stringify(thresholdMode)}`);
    }
    requireNumber('factor', factor, factor >= 0 && factor < 1, 'factor must be in [0, 1): it multiplies the rate to reduce it');
    requireNumber('patience', patience, Number.isInteger(patience) && patience >= 0, 'patience must be a non-negative integer');
    requireNumber('threshold', threshold, threshold >= 0, 'threshold must be >= 0');
    requireNumber('cooldown', cooldown, Number.isInteger(cooldown) && cooldown >= 0, 'cooldown must be a non-negative integer');
    this.minLrs = perGroup('ReduceLROnPlateau', 'minLr', minLr, optimizer.paramGroups.length);
    this.minLrs.forEach((lr, g) => requireNumber(`minLr of group ${g}`, lr, lr >= 0, 'minLr must be >= 0'));
    requireNumber('eps', eps, eps >= 0, 'eps must be >= 0');
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.eps = eps;
    this.bestMetric = this.worst();
  }

  /** How many times `step()` has been called. */
  get lastEpoch(): number {
    return this.epoch;
  }

  /** The best metric so far (±Infinity before the first step). */
  get best(): number {
    return this.bestMetric;
  }

  /** Epochs since the last improvement, reset by a reduction and ignored during cooldown. */
  get numBadEpochs(): number {
    return this.badEpochs;
  }

  /** Each group's current learning rate. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((group) => group.lr);
  }

  /**
   * Records this epoch's metric and reduces the rates when the plateau has lasted more than
   * `patience` epochs. Call it once per epoch, after validation.
   *
   * @param metric - A number; read a tensor's value first (`await loss.item()`).
   */
  step(metric: number): void {
    if (typeof metric !== 'number') {
      throw new TypeError(`ReduceLROnPlateau.step: the metric must be a number, got ${describeValue(metric)}; read a tensor's value first (await t.item())`);
    }
    this.epoch += 1;
    if (this.isBetter(metric)) {
      this.bestMetric = metric;
      this.badEpochs = 0;
    } else {
      this.badEpochs += 1;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft -= 1;
      this.badEpochs = 0;
    }
    if (this.badEpochs > this.patience) {
      this.reduce();
      this.cooldownLeft = this.cooldown;
      this.badEpochs = 0;
    }
  }

  /** The epoch count, the best metric, the counters and the settings, for `loadStateDict`. */
  stateDict(): ReduceLROnPlateauStateDict {
    return { lastEpoch: this.epoch, best: this.bestMetric, numBadEpochs: this.badEpochs, cooldownCounter: this.cooldownLeft, settings: this.settings() };
  }

  /**
   * Restores a snapshot from `stateDict()`, after checking it all: the counters, the best metric
   * and the same settings as this scheduler. The optimizer's rates are left alone: its own
   * `loadStateDict` restores them.
   */
  loadStateDict(stateDict: ReduceLROnPlateauStateDict): void {
    const where = 'ReduceLROnPlateau.loadStateDict';
    const saved: unknown = stateDict;
    if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) {
      throw new TypeError(`${where}: expected { lastEpoch, best, numBadEpochs, cooldownCounter, settings } as stateDict() writes it, got ${describeValue(saved)}`);
    }
    const record = saved as Partial<Record<keyof ReduceLROnPlateauStateDict, unknown>>;
    for (const key of ['lastEpoch', 'numBadEpochs', 'cooldownCounter'] as const) {
      const value = record[key];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new TypeError(`${where}: '${key}' should be a non-negative integer, got ${describeValue(value)}`);
    }
    if (typeof record.best !== 'number') throw new TypeError(`${where}: 'best' should be a number, got ${describeValue(record.best)}`);
    checkSchedulerSettings(where, 'ReduceLROnPlateau', this.settings(), record.settings);
    this.epoch = record.lastEpoch as number;
    this.bestMetric = record.best;
    this.badEpochs = record.numBadEpochs as number;
    this.cooldownLeft = record.cooldownCounter as number;
  }

  private settings(): Record<string, SchedulerSetting> {
    const { mode, factor, patience, threshold, thresholdMode, cooldown, minLrs, eps } = this;
    return { mode, factor, patience, threshold, thresholdMode, cooldown, minLr: minLrs, eps };
  }

  private worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  private isBetter(metric: number): boolean {
    const best = this.bestMetric;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? metric < best * (1 - this.threshold) : metric < best - this.threshold;
    return this.thresholdMode === 'rel' ? metric > best * (this.threshold + 1) : metric > best + this.threshold;
  }

  // A reduction smaller than eps is skipped, so a rate already at minLr stays exactly there.
  private reduce(): void {
    this.optimizer.paramGroups.forEach((group, g) => {
      const newLr = Math.max(group.lr * this.factor, this.minLrs[g] as number);
      if (group.lr - newLr > this.eps) group.lr = newLr;
    });
  }
}

function requireNumber(key: string, value: number, ok: boolean, rule: string): void {
  if (!ok) throw new RangeError(`ReduceLROnPlateau: invalid ${key}: ${value} (${rule})`);
}
