import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  Adadelta,
  Adam,
  CosineAnnealingLR,
  MultiStepLR,
  OneCycleLR,
  ReduceLROnPlateau,
  SGD,
  StepLR,
  type CosineAnnealingLROptions,
  type SchedulableOptimizer,
  type StepLROptions,
} from '../src/index.js';
import { params } from './helpers.js';

/* Validation and state dicts of MultiStepLR, OneCycleLR and ReduceLROnPlateau; their schedules are checked against PyTorch in the conformance suite. */

function sgd(...lrs: number[]): SGD {
  return new SGD(params(...lrs.map(() => [0])).map((p, i) => ({ params: [p], lr: lrs[i] })), { momentum: 0.9 });
}

describe('MultiStepLR, OneCycleLR and ReduceLROnPlateau validation', () => {
  it.each([
    ['MultiStepLR decreasing milestones', () => new MultiStepLR(sgd(1), [5, 3]), 'MultiStepLR: invalid milestone at index 1: 3 (milestones must be non-negative integers in non-decreasing order)'],
    ['MultiStepLR negative milestone', () => new MultiStepLR(sgd(1), [-1]), 'MultiStepLR: invalid milestone at index 0: -1'],
    ['MultiStepLR fractional milestone', () => new MultiStepLR(sgd(1), [2.5]), 'MultiStepLR: invalid milestone at index 0: 2.5'],
    ['MultiStepLR milestones not an array', () => new MultiStepLR(sgd(1), 3 as never), 'MultiStepLR: milestones must be an array of epochs, got number 3'],
    ['MultiStepLR gamma', () => new MultiStepLR(sgd(1), [2], { gamma: -1 }), 'MultiStepLR: invalid gamma: -1 (gamma must be >= 0)'],
    ['OneCycleLR without a length', () => new OneCycleLR(sgd(1), { maxLr: 1 }), 'OneCycleLR: pass either totalSteps or both epochs and stepsPerEpoch'],
    ['OneCycleLR epochs alone', () => new OneCycleLR(sgd(1), { maxLr: 1, epochs: 3 }), 'OneCycleLR: pass either totalSteps or both epochs and stepsPerEpoch'],
    ['OneCycleLR totalSteps 0', () => new OneCycleLR(sgd(1), { maxLr: 1, totalSteps: 0 }), 'OneCycleLR: invalid totalSteps: 0 (totalSteps must be a positive integer)'],
    ['OneCycleLR stepsPerEpoch 1.5', () => new OneCycleLR(sgd(1), { maxLr: 1, epochs: 2, stepsPerEpoch: 1.5 }), 'OneCycleLR: invalid stepsPerEpoch: 1.5'],
    ['OneCycleLR maxLr per group', () => new OneCycleLR(sgd(1, 2), { maxLr: [1], totalSteps: 5 }), 'OneCycleLR: expected 2 values for maxLr, one per parameter group, got 1'],
    ['OneCycleLR negative maxLr', () => new OneCycleLR(sgd(1, 2), { maxLr: [1, -1], totalSteps: 5 }), 'OneCycleLR: invalid maxLr of group 1: -1 (maxLr must be >= 0)'],
    ['OneCycleLR pctStart', () => new OneCycleLR(sgd(1), { maxLr: 1, totalSteps: 5, pctStart: 1.2 }), 'OneCycleLR: invalid pctStart: 1.2 (pctStart must be in [0, 1])'],
    ['OneCycleLR annealStrategy', () => new OneCycleLR(sgd(1), { maxLr: 1, totalSteps: 5, annealStrategy: 'exp' as never }), `OneCycleLR: annealStrategy must be 'cos' or 'linear', got "exp"`],
    ['OneCycleLR divFactor', () => new OneCycleLR(sgd(1), { maxLr: 1, totalSteps: 5, divFactor: 0 }), 'OneCycleLR: invalid divFactor: 0 (divFactor must be > 0)'],
    [
      'OneCycleLR cycling momentum on Adadelta',
      () => new OneCycleLR(new Adadelta(params([0])), { maxLr: 1, totalSteps: 5 }),
      'OneCycleLR: cycleMomentum needs an optimizer with a momentum or betas setting (SGD, RMSprop, Adam); pass { cycleMomentum: false } for this one',
    ],
    ['ReduceLROnPlateau mode', () => new ReduceLROnPlateau(sgd(1), { mode: 'lowest' as never }), `ReduceLROnPlateau: mode must be 'min' or 'max', got "lowest"`],
    ['ReduceLROnPlateau thresholdMode', () => new ReduceLROnPlateau(sgd(1), { thresholdMode: 'pct' as never }), `ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got "pct"`],
    ['ReduceLROnPlateau factor 1', () => new ReduceLROnPlateau(sgd(1), { factor: 1 }), 'ReduceLROnPlateau: invalid factor: 1 (factor must be in [0, 1): it multiplies the rate to reduce it)'],
    ['ReduceLROnPlateau patience', () => new ReduceLROnPlateau(sgd(1), { patience: -1 }), 'ReduceLROnPlateau: invalid patience: -1 (patience must be a non-negative integer)'],
    ['ReduceLROnPlateau threshold', () => new ReduceLROnPlateau(sgd(1), { threshold: -1 }), 'ReduceLROnPlateau: invalid threshold: -1 (threshold must be >= 0)'],
    ['ReduceLROnPlateau cooldown', () => new ReduceLROnPlateau(sgd(1), { cooldown: 0.5 }), 'ReduceLROnPlateau: invalid cooldown: 0.5 (cooldown must be a non-negative integer)'],
    ['ReduceLROnPlateau minLr per group', () => new ReduceLROnPlateau(sgd(1, 2), { minLr: [0, 0, 0] }), 'ReduceLROnPlateau: expected 2 values for minLr, one per parameter group, got 3'],
    ['ReduceLROnPlateau negative minLr', () => new ReduceLROnPlateau(sgd(1), { minLr: -1 }), 'ReduceLROnPlateau: invalid minLr of group 0: -1 (minLr must be >= 0)'],
    ['ReduceLROnPlateau eps', () => new ReduceLROnPlateau(sgd(1), { eps: -1 }), 'ReduceLROnPlateau: invalid eps: -1 (eps must be >= 0)'],
  ])('rejects %s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  it('OneCycleLR refuses a step past totalSteps and changes nothing', () => {
    const optimizer = sgd(1);
    const scheduler = new OneCycleLR(optimizer, { maxLr: 1, totalSteps: 2 });
    scheduler.step();
    scheduler.step();
    const lr = optimizer.paramGroups[0]?.lr;
    expect(() => scheduler.step()).toThrow('OneCycleLR: tried to step 4 times, but totalSteps is 2; build the scheduler with more steps');
    expect(scheduler.lastEpoch).toBe(2);
    expect(optimizer.paramGroups[0]?.lr).toBe(lr);
  });

  it("OneCycleLR cycles Adam's first beta and leaves the second alone", () => {
    const optimizer = new Adam(params([0]), { betas: [0.5, 0.99] });
    new OneCycleLR(optimizer, { maxLr: 1, totalSteps: 10 });
    expect(optimizer.paramGroups[0]?.betas).toEqual([0.95, 0.99]);
  });

  it('MultiStepLR takes its milestones in the options, as every scheduler takes its settings, or in PyTorch\'s order', () => {
    const inOptions = sgd(1);
    const positional = sgd(1);
    const a = new MultiStepLR(inOptions, { milestones: [1, 3], gamma: 0.5 });
    const b = new MultiStepLR(positional, [1, 3], { gamma: 0.5 });
    const rates = (opt: SGD, scheduler: MultiStepLR) =>
      [0, 1, 2, 3].map(() => {
        const lr = opt.paramGroups[0]?.lr;
        scheduler.step();
        return lr;
      });
    expect(rates(inOptions, a)).toEqual([1, 0.5, 0.5, 0.25]);
    expect(rates(positional, b)).toEqual([1, 0.5, 0.5, 0.25]);
    expect(() => new MultiStepLR(sgd(1), { gamma: 0.5 } as never)).toThrow('MultiStepLR: milestones must be an array of epochs, got undefined');
  });

  it('ReduceLROnPlateau.step refuses a metric that is not a number', () => {
    const scheduler = new ReduceLROnPlateau(sgd(1));
    expect(() => scheduler.step('0.5' as never)).toThrow('ReduceLROnPlateau.step: the metric must be a number, got string 0.5');
    expect(scheduler.lastEpoch).toBe(0);
  });
});

describe('MultiStepLR, OneCycleLR and ReduceLROnPlateau stateDict and loadStateDict', () => {
  it('resume MultiStepLR and OneCycleLR where the snapshot left them, and refuse other settings', () => {
    const straightOptimizer = sgd(1, 0.5);
    const straight = new OneCycleLR(straightOptimizer, { maxLr: [1, 0.5], totalSteps: 10, annealStrategy: 'linear' });
    for (let i = 0; i < 4; i++) straight.step();
    const snapshot = straight.stateDict();
    expect(snapshot.settings).toMatchObject({ maxLr: [1, 0.5], annealStrategy: 'linear', threePhase: false, totalSteps: 10 });

    const resumedOptimizer = sgd(7, 7);
    const resumed = new OneCycleLR(resumedOptimizer, { maxLr: [1, 0.5], totalSteps: 10, annealStrategy: 'linear' });
    resumed.loadStateDict(snapshot);
    straight.step();
    resumed.step();
    expect(resumed.getLastLr()).toEqual(straight.getLastLr());
    expect(resumedOptimizer.paramGroups.map((g) => g.momentum)).toEqual(straightOptimizer.paramGroups.map((g) => g.momentum));

    const cosine = new OneCycleLR(sgd(1, 0.5), { maxLr: [1, 0.5], totalSteps: 10 });
    expect(() => cosine.loadStateDict(snapshot)).toThrow(
      'OneCycleLR.loadStateDict: the state dict has annealStrategy string linear but this OneCycleLR was built with annealStrategy cos; build it with the saved settings',
    );
    const otherPeak = new OneCycleLR(sgd(1, 0.5), { maxLr: 1, totalSteps: 10, annealStrategy: 'linear' });
    expect(() => otherPeak.loadStateDict(snapshot)).toThrow('OneCycleLR.loadStateDict: the state dict has maxLr [1, 0.5] but this OneCycleLR was built with maxLr [1, 1]');

    const multiStep = new MultiStepLR(sgd(1), [2, 4], { gamma: 0.5 });
    multiStep.step();
    expect(multiStep.stateDict()).toEqual({ lastEpoch: 1, baseLrs: [1], settings: { milestones: [2, 4], gamma: 0.5 } });
    expect(() => new MultiStepLR(sgd(1), [2, 5], { gamma: 0.5 }).loadStateDict(multiStep.stateDict())).toThrow(
      'MultiStepLR.loadStateDict: the state dict has milestones [2, 4] but this MultiStepLR was built with milestones [2, 5]',
    );
  });

  it('resume ReduceLROnPlateau with its best metric and counters, and refuse a bad snapshot, changing nothing', () => {
    const metrics = [1, 0.9, 0.95, 0.95, 0.95, 0.95];
    const straight = new ReduceLROnPlateau(sgd(1), { patience: 2, cooldown: 1 });
    metrics.slice(0, 3).forEach((m) => straight.step(m));
    const snapshot = straight.stateDict();
    expect(snapshot).toMatchObject({ lastEpoch: 3, best: 0.9, numBadEpochs: 1, cooldownCounter: 0 });

    const resumedOptimizer = sgd(1);
    const resumed = new ReduceLROnPlateau(resumedOptimizer, { patience: 2, cooldown: 1 });
    resumed.loadStateDict(snapshot);
    for (const m of metrics.slice(3)) {
      straight.step(m);
      resumed.step(m);
    }
    expect(resumed.getLastLr()).toEqual(straight.getLastLr());
    expect(resumed.getLastLr()).toEqual([0.1]);
    expect(resumed.stateDict()).toEqual(straight.stateDict());

    const before = resumed.stateDict();
    const cases: [unknown, string][] = [
      [null, 'ReduceLROnPlateau.loadStateDict: expected { lastEpoch, best, numBadEpochs, cooldownCounter, settings } as stateDict() writes it, got null'],
      [{ ...snapshot, numBadEpochs: -1 }, "ReduceLROnPlateau.loadStateDict: 'numBadEpochs' should be a non-negative integer, got number -1"],
      [{ ...snapshot, best: '0.9' }, "ReduceLROnPlateau.loadStateDict: 'best' should be a number, got string 0.9"],
      [{ ...snapshot, settings: { ...snapshot.settings, mode: 'max' } }, 'ReduceLROnPlateau.loadStateDict: the state dict has mode string max but this ReduceLROnPlateau was built with mode min'],
      [{ ...snapshot, settings: { ...snapshot.settings, stepSize: 2 } }, "ReduceLROnPlateau.loadStateDict: the state dict has the setting 'stepSize', which ReduceLROnPlateau does not have"],
    ];
    for (const [bad, message] of cases) expect(() => resumed.loadStateDict(bad as never)).toThrow(message);
    expect(resumed.stateDict()).toEqual(before);
  });
});

describe("schedulers' signatures", () => {
  it('take the optimizer, then one options object (MultiStepLR also PyTorch order)', () => {
    expectTypeOf<ConstructorParameters<typeof StepLR>>().toEqualTypeOf<[SchedulableOptimizer, StepLROptions]>();
    expectTypeOf<ConstructorParameters<typeof CosineAnnealingLR>>().toEqualTypeOf<[SchedulableOptimizer, CosineAnnealingLROptions]>();
    expectTypeOf(MultiStepLR).toBeConstructibleWith(sgd(1), { milestones: [1, 2], gamma: 0.5 });
    expectTypeOf(MultiStepLR).toBeConstructibleWith(sgd(1), [1, 2], { gamma: 0.5 });
    expectTypeOf(OneCycleLR).toBeConstructibleWith(sgd(1), { maxLr: 0.1, totalSteps: 10 });
    expectTypeOf(ReduceLROnPlateau).toBeConstructibleWith(sgd(1), { mode: 'min', patience: 2 });
    expect(new StepLR(sgd(1), { stepSize: 2 }).getLastLr()).toEqual([1]);
  });
});
