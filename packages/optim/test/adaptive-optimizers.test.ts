import { memory, tensor, tidy } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { Adadelta, Adagrad, Adam, RMSprop, type Optimizer } from '../src/index.js';
import { Param, params } from './helpers.js';

/*
 * Adadelta, RMSprop and Adagrad each run one fused kernel per parameter; PyTorch parity is in the
 * conformance suite. These check what the optimizers add around the kernels: validation, lazily
 * created state, memory that stays flat across steps, and state dicts that refuse another
 * optimizer's state.
 */

async function stepWith(optimizer: Optimizer<{ lr: number }>, ps: Param[], grad: number[]): Promise<void> {
  for (const p of ps) p.grad = tensor(grad);
  await optimizer.step();
  optimizer.zeroGrad();
}

describe('Adadelta, RMSprop and Adagrad hyperparameters', () => {
  const ps = params([1, 2]);

  it.each([
    ['Adadelta lr', () => new Adadelta(ps, { lr: -1 }), 'Adadelta: invalid learning rate: -1 (lr must be >= 0)'],
    ['Adadelta rho above 1', () => new Adadelta(ps, { rho: 1.5 }), 'Adadelta: invalid rho value: 1.5 (rho must be in [0, 1])'],
    ['Adadelta NaN rho', () => new Adadelta(ps, { rho: Number.NaN }), 'Adadelta: invalid rho value: NaN (rho must be in [0, 1])'],
    ['Adadelta eps', () => new Adadelta(ps, { eps: -1e-6 }), 'Adadelta: invalid epsilon value: -0.000001 (eps must be >= 0)'],
    ['Adadelta weightDecay', () => new Adadelta(ps, { weightDecay: -0.1 }), 'Adadelta: invalid weightDecay value: -0.1 (weightDecay must be >= 0)'],
    ['RMSprop lr', () => new RMSprop(ps, { lr: -0.01 }), 'RMSprop: invalid learning rate: -0.01 (lr must be >= 0)'],
    ['RMSprop alpha', () => new RMSprop(ps, { alpha: -0.5 }), 'RMSprop: invalid alpha value: -0.5 (alpha must be >= 0)'],
    ['RMSprop eps', () => new RMSprop(ps, { eps: -1 }), 'RMSprop: invalid epsilon value: -1 (eps must be >= 0)'],
    ['RMSprop momentum', () => new RMSprop(ps, { momentum: -0.9 }), 'RMSprop: invalid momentum value: -0.9 (momentum must be >= 0)'],
    ['RMSprop weightDecay in a group', () => new RMSprop([{ params: ps, weightDecay: -1 }]), 'RMSprop: invalid weightDecay value: -1 (weightDecay must be >= 0)'],
    ['Adagrad lr', () => new Adagrad(ps, { lr: -0.01 }), 'Adagrad: invalid learning rate: -0.01 (lr must be >= 0)'],
    ['Adagrad lrDecay', () => new Adagrad(ps, { lrDecay: -1 }), 'Adagrad: invalid lrDecay value: -1 (lrDecay must be >= 0)'],
    ['Adagrad weightDecay', () => new Adagrad(ps, { weightDecay: -1 }), 'Adagrad: invalid weightDecay value: -1 (weightDecay must be >= 0)'],
    [
      'Adagrad initialAccumulatorValue',
      () => new Adagrad(ps, { initialAccumulatorValue: -0.1 }),
      'Adagrad: invalid initialAccumulatorValue value: -0.1 (initialAccumulatorValue must be >= 0)',
    ],
    ['Adagrad eps', () => new Adagrad(ps, { eps: Number.NaN }), 'Adagrad: invalid epsilon value: NaN (eps must be >= 0)'],
  ])('rejects %s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  it("applies PyTorch's defaults", () => {
    expect(new Adadelta(ps).paramGroups[0]).toMatchObject({ lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false });
    expect(new RMSprop(ps).paramGroups[0]).toMatchObject({ lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });
    expect(new Adagrad(ps).paramGroups[0]).toMatchObject({ lr: 0.01, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false });
  });
});

describe('Adadelta, RMSprop and Adagrad state', () => {
  it('is created on the first step; RMSprop adds its momentum buffer and gradient average when a group turns them on', async () => {
    const ps = params([1, 2]);
    const optimizer = new RMSprop(ps);
    expect(optimizer.state.size).toBe(0);
    await stepWith(optimizer, ps, [0.5, -0.5]);
    expect(Object.keys(optimizer.state.get(ps[0] as Param) ?? {}).sort()).toEqual(['squareAvg', 'step']);
    Object.assign(optimizer.paramGroups[0] as object, { momentum: 0.9, centered: true });
    await stepWith(optimizer, ps, [0.5, -0.5]);
    const state = optimizer.state.get(ps[0] as Param);
    expect(Object.keys(state ?? {}).sort()).toEqual(['gradAvg', 'momentumBuffer', 'squareAvg', 'step']);
    expect(state?.step).toBe(2);
    optimizer.dispose();
  });

  it('starts Adagrad from initialAccumulatorValue', async () => {
    const ps = params([1, 2]);
    const optimizer = new Adagrad(ps, { initialAccumulatorValue: 0.25 });
    await stepWith(optimizer, ps, [0.5, 1]);
    expect(Array.from((await optimizer.state.get(ps[0] as Param)?.sum.data()) ?? [])).toEqual([0.5, 1.25]);
    optimizer.dispose();
  });

  it.each<[string, (ps: Param[]) => Optimizer<{ lr: number }>, number]>([
    ['Adadelta', (ps) => new Adadelta(ps, { weightDecay: 0.1 }), 2],
    ['RMSprop centered with momentum', (ps) => new RMSprop(ps, { momentum: 0.9, centered: true, weightDecay: 0.1 }), 3],
    ['Adagrad', (ps) => new Adagrad(ps, { weightDecay: 0.1 }), 1],
  ])('%s survives a surrounding tidy and updates its state in place, so memory stays flat', async (_name, make, stateTensors) => {
    const ps = params([1, 2, 3]);
    const optimizer = make(ps);
    tidy(() => {
      (ps[0] as Param).grad = tensor([1, 1, 1]).keep();
      void optimizer.step();
    });
    optimizer.zeroGrad();
    const before = memory().numTensors;
    for (let i = 0; i < 3; i++) await stepWith(optimizer, ps, [0.1, -0.2, 0.3]);
    expect(memory().numTensors).toBe(before);
    optimizer.dispose();
    expect(memory().numTensors).toBe(before - stateTensors);
  });

  it("refuses Adam's state in Adagrad and RMSprop's momentum buffer in Adadelta, naming the key", async () => {
    const ps = params([1, 2]);
    const adam = new Adam(ps);
    await stepWith(adam, ps, [1, 1]);
    expect(() => new Adagrad(ps).loadStateDict(adam.stateDict() as never)).toThrow(
      "Adagrad.loadStateDict: parameter group 0 has the setting 'betas', which Adagrad does not have (it has lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize); is this another optimizer's state?",
    );
    const rmsprop = new RMSprop(ps, { momentum: 0.9 });
    await stepWith(rmsprop, ps, [1, 1]);
    const snapshot = rmsprop.stateDict();
    const adadelta = new Adadelta(ps);
    const { lr } = adadelta.paramGroups[0] as { lr: number };
    expect(() => adadelta.loadStateDict({ ...snapshot, paramGroups: [{ params: [0], lr }] } as never)).toThrow(
      "Adadelta.loadStateDict: the state of parameter 0 has 'momentumBuffer', which Adadelta does not keep (it keeps squareAvg, accDelta, step); is this another optimizer's state?",
    );
  });

  it('loads a snapshot saved before maximize existed, keeping the current setting, and continues in place', async () => {
    const ps = params([1, 2]);
    const saved = new RMSprop(ps, { momentum: 0.9 });
    await stepWith(saved, ps, [0.5, -0.5]);
    const { state, paramGroups } = saved.stateDict();
    const withoutMaximize = paramGroups.map(({ maximize: _maximize, ...group }) => group);
    const restored = new RMSprop(params([1, 2]), { momentum: 0.9, maximize: true });
    restored.loadStateDict({ state, paramGroups: withoutMaximize } as never);
    expect(restored.paramGroups[0]?.maximize).toBe(true);
    const [p] = restored.paramGroups[0]?.params ?? [];
    const buffer = restored.state.get(p as Param)?.momentumBuffer;
    await stepWith(restored, [p as Param], [0.5, -0.5]);
    // The fused kernel writes the state it was given: the same tensor, advanced one step.
    expect(restored.state.get(p as Param)?.momentumBuffer).toBe(buffer);
    expect(restored.state.get(p as Param)?.step).toBe(2);
    saved.dispose();
    restored.dispose();
  });
});
