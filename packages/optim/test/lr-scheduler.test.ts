import { describe, expect, it } from 'vitest';
import { CosineAnnealingLR, ExponentialLR, LinearLR, SGD, StepLR } from '../src/index.js';
import { expectClose, params } from './helpers.js';

function sgd(...lrs: number[]): SGD {
  return new SGD(params(...lrs.map(() => [0])).map((p, i) => ({ params: [p], lr: lrs[i] })));
}

describe('learning-rate schedulers', () => {
  it('apply epoch 0 when built and write every group', () => {
    const optimizer = sgd(1, 0.5);
    const scheduler = new LinearLR(optimizer, { startFactor: 0.25, totalIters: 3 });
    expect(scheduler.lastEpoch).toBe(0);
    expect(scheduler.baseLrs).toEqual([1, 0.5]);
    expect(scheduler.getLastLr()).toEqual([0.25, 0.125]);
    expect(optimizer.paramGroups.map((g) => g.lr)).toEqual([0.25, 0.125]);
    scheduler.step();
    expectClose(scheduler.getLastLr(), [0.5, 0.25], 'epoch 1');
    scheduler.step();
    scheduler.step();
    scheduler.step();
    expect(scheduler.lastEpoch).toBe(4);
    expect(scheduler.getLastLr()).toEqual([1, 0.5]); // held at endFactor after totalIters
  });

  it('StepLR decays by gamma every stepSize epochs', () => {
    const scheduler = new StepLR(sgd(1), { stepSize: 2, gamma: 0.5 });
    const seen = [scheduler.getLastLr()[0]];
    for (let i = 0; i < 5; i++) {
      scheduler.step();
      seen.push(scheduler.getLastLr()[0]);
    }
    expect(seen).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
  });

  it('ExponentialLR and CosineAnnealingLR follow their closed forms', () => {
    const exponential = new ExponentialLR(sgd(2), { gamma: 0.5 });
    const cosine = new CosineAnnealingLR(sgd(1), { tMax: 2, etaMin: 0.1 });
    const cosines = [cosine.getLastLr()[0]];
    for (let i = 0; i < 3; i++) {
      exponential.step();
      cosine.step();
      cosines.push(cosine.getLastLr()[0]);
    }
    expect(exponential.getLastLr()).toEqual([0.25]);
    expectClose(cosines as number[], [1, 0.55, 0.1, 0.55], 'cosine, rising again past tMax', 1e-12, 1e-15);
  });

  it('overwrites an lr set by hand, since the rates are closed forms of the epoch', () => {
    const optimizer = sgd(1);
    const scheduler = new ExponentialLR(optimizer, { gamma: 0.5 });
    (optimizer.paramGroups[0] as { lr: number }).lr = 10;
    scheduler.step();
    expect(optimizer.paramGroups[0]?.lr).toBe(0.5);
  });

  it.each([
    ['StepLR stepSize 0', () => new StepLR(sgd(1), { stepSize: 0 }), 'StepLR: invalid stepSize: 0 (stepSize must be a positive integer)'],
    ['StepLR stepSize 1.5', () => new StepLR(sgd(1), { stepSize: 1.5 }), 'StepLR: invalid stepSize: 1.5 (stepSize must be a positive integer)'],
    ['StepLR gamma', () => new StepLR(sgd(1), { stepSize: 1, gamma: -0.1 }), 'StepLR: invalid gamma: -0.1 (gamma must be >= 0)'],
    ['ExponentialLR gamma', () => new ExponentialLR(sgd(1), { gamma: Number.NaN }), 'ExponentialLR: invalid gamma: NaN (gamma must be >= 0)'],
    ['CosineAnnealingLR tMax', () => new CosineAnnealingLR(sgd(1), { tMax: -1 }), 'CosineAnnealingLR: invalid tMax: -1 (tMax must be a positive integer)'],
    ['CosineAnnealingLR etaMin', () => new CosineAnnealingLR(sgd(1), { tMax: 5, etaMin: -1 }), 'CosineAnnealingLR: invalid etaMin: -1 (etaMin must be >= 0)'],
    ['LinearLR startFactor 0', () => new LinearLR(sgd(1), { startFactor: 0 }), 'LinearLR: invalid startFactor: 0 (startFactor must be in (0, 1])'],
    ['LinearLR endFactor', () => new LinearLR(sgd(1), { endFactor: 1.5 }), 'LinearLR: invalid endFactor: 1.5 (endFactor must be in [0, 1])'],
    ['LinearLR totalIters', () => new LinearLR(sgd(1), { totalIters: 0 }), 'LinearLR: invalid totalIters: 0 (totalIters must be a positive integer)'],
  ])('rejects %s', (_name, make, message) => {
    expect(make).toThrow(message);
  });
});

describe('scheduler stateDict and loadStateDict', () => {
  it('resumes the schedule where the snapshot left it', () => {
    const straightOptimizer = sgd(1, 0.5);
    const straight = new StepLR(straightOptimizer, { stepSize: 2, gamma: 0.5 });
    for (let i = 0; i < 3; i++) straight.step();
    const snapshot = straight.stateDict();
    expect(snapshot).toEqual({ lastEpoch: 3, baseLrs: [1, 0.5], settings: { stepSize: 2, gamma: 0.5 } });

    const resumedOptimizer = sgd(7, 7);
    const resumed = new StepLR(resumedOptimizer, { stepSize: 2, gamma: 0.5 });
    resumed.loadStateDict(snapshot);
    expect(resumed.lastEpoch).toBe(3);
    expect(resumed.baseLrs).toEqual([1, 0.5]);
    expect(resumed.getLastLr()).toEqual(straight.getLastLr());
    straight.step();
    resumed.step();
    expect(resumedOptimizer.paramGroups.map((g) => g.lr)).toEqual(straightOptimizer.paramGroups.map((g) => g.lr));
  });

  it('refuses a bad snapshot or another scheduler, naming the key, and changes nothing', () => {
    const scheduler = new StepLR(sgd(1, 0.5), { stepSize: 2, gamma: 0.5 });
    scheduler.step();
    const before = scheduler.stateDict();
    const lastLr = scheduler.getLastLr();
    const cosine = new CosineAnnealingLR(sgd(1, 0.5), { tMax: 4 }).stateDict();
    const cases: [unknown, string | RegExp][] = [
      [null, 'StepLR.loadStateDict: expected { lastEpoch, baseLrs, settings } as stateDict() writes it, got null'],
      [[before], /got an array$/],
      [cosine, "StepLR.loadStateDict: the state dict has the setting 'tMax', which StepLR does not have (it has stepSize, gamma); is this another scheduler's state?"],
      [{ ...before, lastEpoch: -1 }, "StepLR.loadStateDict: 'lastEpoch' should be a non-negative integer, got number -1"],
      [{ ...before, baseLrs: [1] }, "StepLR.loadStateDict: 'baseLrs' should hold one learning rate per parameter group (2), got 1"],
      [{ ...before, baseLrs: [1, 'x'] }, "StepLR.loadStateDict: 'baseLrs' of parameter group 1 should be a learning rate >= 0, got string x"],
      [{ ...before, settings: { stepSize: 2 } }, "StepLR.loadStateDict: the state dict is missing the setting 'gamma'"],
      [{ ...before, settings: { stepSize: 2, gamma: 0.1 } }, 'StepLR.loadStateDict: the state dict has gamma 0.1 but this StepLR was built with gamma 0.5; build it with the saved settings'],
      [{ lastEpoch: 1, baseLrs: [1, 0.5] }, "StepLR.loadStateDict: 'settings' should be a record of the scheduler's options, got undefined"],
      [{ ...before, settings: { stepSize: '2', gamma: 0.5 } }, 'StepLR.loadStateDict: the state dict has stepSize string 2 but this StepLR was built with stepSize 2; build it with the saved settings'],
    ];
    for (const [bad, message] of cases) expect(() => scheduler.loadStateDict(bad as never)).toThrow(message);
    expect(scheduler.stateDict()).toEqual(before);
    expect(scheduler.getLastLr()).toEqual(lastLr);
  });
});
