import { memory, tensor, tidy, zeros, type Backend, type Tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { Adadelta, Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer } from '../src/index.js';
import { expectClose, Param, params } from './helpers.js';

/** Sets every parameter's gradient and takes `count` steps with the same gradients. */
async function train(optimizer: Optimizer<{ lr: number }>, ps: Param[], grads: number[][], count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    ps.forEach((p, j) => {
      p.grad = tensor(grads[j] as number[]);
    });
    await optimizer.step();
    optimizer.zeroGrad();
  }
}

describe('hyperparameter validation', () => {
  const [p] = params([1, 2]);
  const ps = [p as Param];

  it.each([
    ['Adam lr', () => new Adam(ps, { lr: -0.1 }), 'Adam: invalid learning rate: -0.1 (lr must be >= 0)'],
    ['Adam eps', () => new Adam(ps, { eps: -1e-8 }), 'Adam: invalid epsilon value: -1e-8 (eps must be >= 0)'],
    ['Adam beta1', () => new Adam(ps, { betas: [-0.1, 0.999] }), 'Adam: invalid beta parameter at index 0: -0.1 (betas must be in [0, 1))'],
    ['Adam beta2', () => new Adam(ps, { betas: [0.9, 1.5] }), 'Adam: invalid beta parameter at index 1: 1.5 (betas must be in [0, 1))'],
    ['Adam beta2 = 1', () => new Adam(ps, { betas: [0.9, 1] }), 'Adam: invalid beta parameter at index 1: 1 (betas must be in [0, 1))'],
    ['Adam weightDecay', () => new Adam(ps, { weightDecay: -0.5 }), 'Adam: invalid weightDecay value: -0.5 (weightDecay must be >= 0)'],
    ['AdamW lr', () => new AdamW(ps, { lr: -1 }), 'AdamW: invalid learning rate: -1 (lr must be >= 0)'],
    ['AdamW NaN lr', () => new AdamW(ps, { lr: Number.NaN }), 'AdamW: invalid learning rate: NaN (lr must be >= 0)'],
    ['SGD missing lr', () => new SGD(ps), 'SGD: lr is required; pass { lr } in the options or give every parameter group its own lr'],
    ['SGD lr', () => new SGD(ps, { lr: -0.01 }), 'SGD: invalid learning rate: -0.01 (lr must be >= 0)'],
    ['SGD momentum', () => new SGD(ps, { lr: 0.1, momentum: -0.9 }), 'SGD: invalid momentum value: -0.9 (momentum must be >= 0)'],
    ['SGD weightDecay', () => new SGD(ps, { lr: 0.1, weightDecay: -1 }), 'SGD: invalid weightDecay value: -1 (weightDecay must be >= 0)'],
    ['SGD Nesterov without momentum', () => new SGD(ps, { lr: 0.1, nesterov: true }), 'SGD: Nesterov momentum requires a momentum and zero dampening, got momentum 0 and dampening 0'],
    [
      'SGD Nesterov with dampening',
      () => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
      'SGD: Nesterov momentum requires a momentum and zero dampening, got momentum 0.9 and dampening 0.1',
    ],
    ['a group override', () => new Adam([{ params: ps, betas: [0.9, 2] }]), 'Adam: invalid beta parameter at index 1: 2 (betas must be in [0, 1))'],
    ['an empty parameter list', () => new Adam([]), 'Adam: got an empty parameter list'],
    ['a parameter given twice', () => new Adam([{ params: ps }, { params: ps }]), 'Adam: a parameter appears more than once in the parameter groups'],
  ])('%s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  it.each([
    ['NaN', Number.NaN],
    ['a negative rate', -0.01],
  ])('refuses at step() an lr set to %s after construction, naming the group, updating nothing', async (_name, badLr) => {
    const [a, b] = params([1, 2], [3]);
    const optimizer = new Adam([{ params: [a as Param] }, { params: [b as Param] }], { lr: 0.1 });
    (a as Param).grad = tensor([1, 1]);
    (b as Param).grad = tensor([1]);
    (optimizer.paramGroups[1] as { lr: number }).lr = badLr;
    await expect(optimizer.step()).rejects.toThrow(
      new RangeError(`Adam.step: parameter group 1 has an invalid learning rate: ${badLr} (lr must be a number >= 0); no parameter was updated`),
    );
    expect(Array.from((a as Param).data.dataSync())).toEqual([1, 2]);
    expect(Array.from((b as Param).data.dataSync())).toEqual([3]);
    expect(optimizer.state.size).toBe(0);
  });

  it('takes lr from each group when SGD has no default', () => {
    const [a, b] = params([1], [2]);
    const optimizer = new SGD([{ params: [a as Param], lr: 0.1 }, { params: [b as Param], lr: 0.2 }]);
    expect(optimizer.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.2]);
    expect(() => new SGD([{ params: [a as Param], lr: 0.1 }, { params: [b as Param] }])).toThrow('SGD: lr is required');
  });

  it('applies PyTorch defaults, ignoring options passed as undefined', () => {
    expect(new Adam(ps).paramGroups[0]).toMatchObject({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, decoupledWeightDecay: false });
    expect(new AdamW(ps, { weightDecay: undefined }).paramGroups[0]).toMatchObject({ weightDecay: 0.01, decoupledWeightDecay: true });
    expect(new SGD(ps, { lr: 0.1, momentum: undefined }).paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false });
  });
});

describe('state', () => {
  it('is created lazily, on the first step, for parameters that have a gradient', async () => {
    const ps = params([1, 2], [3]);
    const [a, b] = ps as [Param, Param];
    const optimizer = new Adam(ps, { amsgrad: true });
    expect(optimizer.state.size).toBe(0);
    a.grad = tensor([0.5, -0.5]);
    await optimizer.step();
    expect(optimizer.state.size).toBe(1);
    expect(optimizer.state.has(b)).toBe(false);
    const state = optimizer.state.get(a);
    expect(state?.step).toBe(1);
    expect(Object.keys(state ?? {}).sort()).toEqual(['expAvg', 'expAvgSq', 'maxExpAvgSq', 'step']);
    expect(state?.expAvg.shape).toEqual([2]);
    optimizer.dispose();
    expect(optimizer.state.size).toBe(0);
  });

  it('keeps no SGD state without momentum', async () => {
    const ps = params([1, 2]);
    const plain = new SGD(ps, { lr: 0.1 });
    (ps[0] as Param).grad = tensor([1, 1]);
    await plain.step();
    expect(plain.state.size).toBe(0);
    const withMomentum = new SGD(ps, { lr: 0.1, momentum: 0.9 });
    await withMomentum.step();
    expect(Object.keys(withMomentum.state.get(ps[0] as Param) ?? {})).toEqual(['momentumBuffer']);
  });

  it('skips parameters whose grad is null, leaving them and their state untouched', async () => {
    const ps = params([1, 2], [3, 4]);
    const [a, b] = ps as [Param, Param];
    const optimizer = new SGD(ps, { lr: 0.5, momentum: 0.9, weightDecay: 0.1 });
    a.grad = tensor([1, 1]);
    await optimizer.step();
    expect(Array.from(await b.data.data())).toEqual([3, 4]);
    expect(optimizer.state.has(b)).toBe(false);
    expectClose(await a.data.data(), [1 - 0.5 * 1.1, 2 - 0.5 * 1.2], 'a after one step');
  });

  it('survives a surrounding tidy and does not leak across steps', async () => {
    const ps = params([1, 2, 3]);
    const optimizer = new Adam(ps, { amsgrad: true });
    const grads = [[0.1, -0.2, 0.3]];
    tidy(() => {
      (ps[0] as Param).grad = tensor([1, 1, 1]).keep();
      void optimizer.step();
      optimizer.zeroGrad({ setToNone: false });
    });
    expect(optimizer.state.get(ps[0] as Param)?.expAvg.isDisposed).toBe(false);
    expect(ps[0]?.grad?.isDisposed).toBe(false);
    optimizer.zeroGrad();
    const before = memory().numTensors;
    await train(optimizer, ps, grads, 3);
    expect(memory().numTensors).toBe(before);
    optimizer.dispose();
    expect(memory().numTensors).toBe(before - 3);
  });
});

describe('zeroGrad', () => {
  it('sets gradients to null and disposes them by default', () => {
    const ps = params([1, 2], [3]);
    const [a, b] = ps as [Param, Param];
    const grad = tensor([1, 1]);
    a.grad = grad;
    new SGD(ps, { lr: 0.1 }).zeroGrad();
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
    expect(grad.isDisposed).toBe(true);
  });

  it('zeroes the gradient in place with setToNone: false, as PyTorch does', async () => {
    const ps = params([1, 2]);
    const [a] = ps as [Param];
    const grad = tensor([5, 6]);
    a.grad = grad;
    new SGD(ps, { lr: 0.1 }).zeroGrad({ setToNone: false });
    expect(a.grad).toBe(grad);
    expect(Array.from(await grad.data())).toEqual([0, 0]);
  });

  it('gives a broadcast gradient, which cannot be written, zeros of its own with setToNone: false', async () => {
    const ps = params([1, 2]);
    const [a] = ps as [Param];
    const grad = tensor([5]).expand(2);
    a.grad = grad;
    new SGD(ps, { lr: 0.1 }).zeroGrad({ setToNone: false });
    expect(a.grad?.shape).toEqual([2]);
    expect(a.grad?.dtype).toBe('float32');
    expect(Array.from((await a.grad?.data()) ?? [])).toEqual([0, 0]);
    expect(grad.isDisposed).toBe(true);
  });
});

describe('step', () => {
  it('launches the kernels before its first await and then waits for the backend to flush', async () => {
    const ps = params([1]);
    const [a] = ps as [Param];
    a.grad = tensor([1]);
    const backend: Backend = a.data.backend;
    let release = (): void => {};
    backend.flush = () => new Promise<void>((resolve) => (release = resolve));
    try {
      let done = false;
      const pending = new SGD(ps, { lr: 0.5 }).step().then(() => (done = true));
      expect(Array.from(a.data.dataSync())).toEqual([0.5]); // already updated
      await Promise.resolve();
      expect(done).toBe(false); // still waiting on flush
      release();
      await pending;
      expect(done).toBe(true);
    } finally {
      delete backend.flush;
    }
  });
});

describe('parameter groups', () => {
  it('give each group its own lr, falling back to the defaults', async () => {
    const ps = params([1, 1], [1, 1]);
    const [a, b] = ps as [Param, Param];
    const optimizer = new SGD([{ params: [a], lr: 0.5 }, { params: [b] }], { lr: 0.1 });
    await train(optimizer, ps, [[1, 2], [1, 2]], 1);
    expectClose(await a.data.data(), [0.5, 0], 'group 0 (lr 0.5)');
    expectClose(await b.data.data(), [0.9, 0.8], 'group 1 (default lr 0.1)');
    optimizer.paramGroups.forEach((group) => (group.lr = 0));
    await train(optimizer, ps, [[1, 2], [1, 2]], 1);
    expectClose(await b.data.data(), [0.9, 0.8], 'lr 0 leaves the parameter alone');
  });

  it('accepts a group added later', () => {
    const [a, b] = params([1], [2]) as [Param, Param];
    const optimizer = new Adam([a], { lr: 0.01 });
    optimizer.addParamGroup({ params: [b], lr: 0.1 });
    expect(optimizer.paramGroups.map((g) => [g.lr, g.params.length])).toEqual([[0.01, 1], [0.1, 1]]);
    expect(() => optimizer.addParamGroup({ params: [a] })).toThrow('more than once');
  });
});

describe('stateDict and loadStateDict', () => {
  const grads = [[0.3, -0.1, 0.2, 0.05], [1, -2]];
  const initial = [[1, 2, 3, 4], [-1, 0.5]];

  it.each<[string, (ps: Param[]) => Optimizer<{ lr: number }>]>([
    ['Adam amsgrad, two groups', (ps: Param[]) => new Adam([{ params: [ps[0] as Param], lr: 0.05 }, { params: [ps[1] as Param] }], { amsgrad: true, weightDecay: 0.1 })],
    ['AdamW', (ps: Param[]) => new AdamW(ps, { lr: 0.02 })],
    ['SGD momentum', (ps: Param[]) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.2 })],
    ['Adadelta with weight decay', (ps: Param[]) => new Adadelta(ps, { weightDecay: 0.1 })],
    ['RMSprop centered with momentum', (ps: Param[]) => new RMSprop(ps, { momentum: 0.9, centered: true })],
    ['Adagrad with lrDecay', (ps: Param[]) => new Adagrad(ps, { lr: 0.1, lrDecay: 0.1, initialAccumulatorValue: 0.1 })],
  ])('%s: resuming from a snapshot gives the same parameters as training straight through', async (_name, make) => {
    const straight = params(...initial);
    const straightOptimizer = make(straight);
    await train(straightOptimizer, straight, grads, 6);

    const interrupted = params(...initial);
    const interruptedOptimizer = make(interrupted);
    await train(interruptedOptimizer, interrupted, grads, 3);
    const snapshot = interruptedOptimizer.stateDict();
    const savedParams = await Promise.all(interrupted.map(async (p) => Array.from(await p.data.data())));
    await train(interruptedOptimizer, interrupted, grads, 2); // later steps must not reach the snapshot

    const resumed = params(...savedParams);
    const resumedOptimizer = make(resumed);
    resumedOptimizer.paramGroups.forEach((group) => (group.lr = 123)); // loadStateDict restores the hyperparameters too
    resumedOptimizer.loadStateDict(snapshot);
    await train(resumedOptimizer, resumed, grads, 3);

    for (const [i, p] of resumed.entries()) {
      expect(Array.from(await p.data.data()), `parameter ${i}`).toEqual(Array.from(await (straight[i] as Param).data.data()));
    }
    expect(resumedOptimizer.paramGroups.map((g) => g.lr)).toEqual(straightOptimizer.paramGroups.map((g) => g.lr));
    expect(resumedOptimizer.paramGroups.flatMap((g) => g.params)).toEqual(resumed); // the snapshot's indices stay out
  });

  it("writes PyTorch's layout: state by parameter index, groups with indices", async () => {
    const ps = params([1, 2], [3]);
    const optimizer = new Adam([{ params: [ps[0] as Param] }, { params: [ps[1] as Param], lr: 0.1 }]);
    (ps[1] as Param).grad = tensor([1]);
    await optimizer.step();
    const dict = optimizer.stateDict();
    expect(dict.paramGroups).toEqual([
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, decoupledWeightDecay: false, params: [0] },
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, decoupledWeightDecay: false, params: [1] },
    ]);
    expect(Object.keys(dict.state)).toEqual(['1']);
    expect(dict.state[1]?.step).toBe(1);
    expect((dict.state[1]?.expAvg as Tensor).shape).toEqual([1]);
  });

  it('rejects mismatched snapshots, naming the mismatch, and changes nothing', async () => {
    const ps = params([1, 2], [3]);
    const optimizer = new SGD(ps, { lr: 0.1, momentum: 0.9 });
    ps.forEach((p) => (p.grad = zeros([p.data.numel()])));
    await optimizer.step();
    const good = optimizer.stateDict();
    const group = good.paramGroups[0] as (typeof good.paramGroups)[number];

    expect(() => optimizer.loadStateDict({ ...good, paramGroups: [group, group] })).toThrow(
      'SGD.loadStateDict: the state dict has 2 parameter groups but the optimizer has 1',
    );
    expect(() => optimizer.loadStateDict({ ...good, paramGroups: [{ ...group, params: [0] }] })).toThrow(
      'SGD.loadStateDict: parameter group 0 has 1 parameters in the state dict but 2 in the optimizer',
    );
    expect(() => optimizer.loadStateDict({ ...good, state: { ...good.state, 0: { momentumBuffer: zeros([3]) } } })).toThrow(
      "SGD.loadStateDict: state 'momentumBuffer' of parameter 0 has shape [3] but the parameter has shape [2]",
    );
    expect(() => optimizer.loadStateDict({ ...good, state: { ...good.state, 7: { momentumBuffer: zeros([1]) } } })).toThrow(
      'SGD.loadStateDict: the state dict has state for parameter 7, which is in none of its parameter groups',
    );
    expect(() => optimizer.loadStateDict({ ...good, paramGroups: [{ ...group, lr: -1 }] })).toThrow('SGD: invalid learning rate: -1 (lr must be >= 0)');
    expect(optimizer.state.get(ps[0] as Param)?.momentumBuffer.isDisposed).toBe(false);
    expect(optimizer.paramGroups[0]?.lr).toBe(0.1);
  });

  /** An Adam that has taken one step, and what a caller can observe of it. */
  async function steppedAdam() {
    const ps = params([1, 2], [3]);
    const adam = new Adam(ps, { lr: 0.01 });
    ps.forEach((p) => (p.grad = tensor(p.data.numel() === 2 ? [0.5, -0.5] : [1])));
    await adam.step();
    const observe = async () => ({
      groups: adam.paramGroups.map(({ params: groupParams, ...settings }) => ({ ...settings, size: groupParams.length })),
      state: await Promise.all(
        ps.map(async (p) => {
          const state = adam.state.get(p);
          return state && { step: state.step, expAvg: Array.from(await state.expAvg.data()), expAvgSq: Array.from(await state.expAvgSq.data()) };
        }),
      ),
    });
    return { ps, adam, before: await observe(), observe };
  }

  it("refuses SGD's state in Adam, naming the parameter and the key, and changes nothing", async () => {
    const { ps, adam, before, observe } = await steppedAdam();
    const sgd = new SGD(params([1, 2], [3]), { lr: 0.1, momentum: 0.9 });
    sgd.paramGroups[0]?.params.forEach((p) => (p.grad = zeros([p.data.numel()])));
    await sgd.step();
    const sgdState = sgd.stateDict();
    // Adam's group keys, so only the state is wrong.
    const adamGroups = adam.stateDict().paramGroups;
    expect(() => adam.loadStateDict({ ...sgdState, paramGroups: adamGroups } as never)).toThrow(
      "Adam.loadStateDict: the state of parameter 0 has 'momentumBuffer', which Adam does not keep (it keeps expAvg, expAvgSq, maxExpAvgSq, step); is this another optimizer's state?",
    );
    // The whole snapshot: its groups already give it away.
    expect(() => adam.loadStateDict(sgdState as never)).toThrow(
      "Adam.loadStateDict: parameter group 0 has the setting 'momentum', which Adam does not have (it has lr, betas, eps, weightDecay, amsgrad, decoupledWeightDecay); is this another optimizer's state?",
    );
    // An SGD without momentum keeps no state, and is still told apart by its settings.
    expect(() => adam.loadStateDict(new SGD(ps, { lr: 0.1 }).stateDict() as never)).toThrow(/parameter group 0 has the setting 'momentum'/);
    expect(await observe()).toEqual(before);
    for (const p of ps) expect(adam.state.get(p)?.expAvg.isDisposed).toBe(false);
    await adam.step(); // and the next step still works
    expect(adam.state.get(ps[0] as Param)?.step).toBe(2);
  });

  it('refuses a non-object, a missing key, a wrong kind or shape, naming the parameter and the key', async () => {
    const { adam, before, observe } = await steppedAdam();
    const good = adam.stateDict();
    const first = good.state[0] as Record<string, Tensor | number>;
    const withState = (state: Record<string, unknown>) => ({ ...good, state: { ...good.state, 0: state } }) as never;
    for (const notADict of [null, undefined, 42, 'state', [good], tensor([1])]) {
      expect(() => adam.loadStateDict(notADict as never)).toThrow(/^Adam\.loadStateDict: expected \{ state, paramGroups \} as stateDict\(\) writes it, got /);
    }
    expect(() => adam.loadStateDict(null as never)).toThrow('got null');
    expect(() => adam.loadStateDict({ state: {}, paramGroups: {} } as never)).toThrow('got an object');
    const { expAvgSq: _dropped, ...missing } = first;
    expect(() => adam.loadStateDict(withState(missing))).toThrow("Adam.loadStateDict: the state of parameter 0 is missing 'expAvgSq'");
    expect(() => adam.loadStateDict(withState({ ...first, step: 1.5 }))).toThrow("Adam.loadStateDict: state 'step' of parameter 0 should be a non-negative integer, got number 1.5");
    expect(() => adam.loadStateDict(withState({ ...first, expAvg: 0 }))).toThrow("Adam.loadStateDict: state 'expAvg' of parameter 0 should be a tensor, got number 0");
    expect(() => adam.loadStateDict(withState({ ...first, expAvg: zeros([2, 1]) }))).toThrow(
      "Adam.loadStateDict: state 'expAvg' of parameter 0 has shape [2, 1] but the parameter has shape [2]",
    );
    expect(() => adam.loadStateDict(withState({ ...first, expAvg: zeros([2], { dtype: 'float64' }) }))).toThrow(
      "Adam.loadStateDict: state 'expAvg' of parameter 0 has dtype float64 but the parameter has dtype float32",
    );
    expect(() => adam.loadStateDict({ ...good, state: { ...good.state, 0: 'x' } } as never)).toThrow(
      'Adam.loadStateDict: the state of parameter 0 should be a record of tensors and counters, got string x',
    );
    const group = good.paramGroups[0] as (typeof good.paramGroups)[number];
    expect(() => adam.loadStateDict({ ...good, paramGroups: [{ ...group, params: [0, 0] }] })).toThrow(
      'Adam.loadStateDict: parameter index 0 appears more than once in the parameter groups',
    );
    const { params: _indices, ...withoutParams } = group;
    expect(() => adam.loadStateDict({ ...good, paramGroups: [withoutParams] } as never)).toThrow("Adam.loadStateDict: parameter group 0 has no 'params' list of parameter indices");
    expect(await observe()).toEqual(before);
    adam.loadStateDict(good);
    expect(await observe()).toEqual(before);
  });
});
