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
