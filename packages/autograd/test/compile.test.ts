import { isCapturing, manualSeed, randn, tensor, type Tensor } from '@kindling/tensor';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compile, Variable } from '../src/index.js';

/*
 * compile()'s edges on the cpu backend, with plain Variables and a hand-written update: what it
 * refuses to replay and why, constants made inside the step, nesting, reset() and errors. The
 * training-loop cases on every backend are in @kindling/data's conformance suite (captured-step.ts).
 */

/** A linear model `x·w` and one gradient step on `w`, written out, with the loss returned. */
function regression(): { w: Variable; step: (x: Tensor, y: Tensor) => Promise<Variable> } {
  manualSeed(0);
  const w = new Variable(randn([4, 1]), { requiresGrad: true });
  const step = async (x: Tensor, y: Tensor): Promise<Variable> => {
    w.grad?.dispose();
    w.grad = null;
    const loss = new Variable(x).matmul(w).sub(new Variable(y)).pow(2).mean();
    loss.backward();
    w.data.copy_(w.data.sub(gradientOf(w).mul(0.1)));
    return loss;
  };
  return { w, step };
}

function gradientOf(v: Variable): Tensor {
  if (!v.grad) throw new Error('no gradient: backward() did not reach the Variable');
  return v.grad;
}

/** A Variable whose gradient no step clears. */
const gradientsKept = new Variable(tensor([1, 2, 3, 4]), { requiresGrad: true });

function batches(count: number): [Tensor, Tensor][] {
  manualSeed(1);
  return Array.from({ length: count }, () => [randn([8, 4]), randn([8, 1])]);
}

async function losses(step: (x: Tensor, y: Tensor) => Promise<Variable>, data: [Tensor, Tensor][]): Promise<number[]> {
  const values: number[] = [];
  for (const [x, y] of data) values.push(await (await step(x, y)).item());
  return values;
}

describe('compile() on cpu', () => {
  afterEach(() => vi.restoreAllMocks());

  it('replays a step that updates a Variable in place, as the step written out', async () => {
    const written = regression();
    const expected = await losses(written.step, batches(6));
    const compiled = regression();
    const step = compile(compiled.step);
    expect(await losses(step, batches(6))).toEqual(expected);
    expect(Array.from(await compiled.w.data.data())).toEqual(Array.from(await written.w.data.data()));
    expect(step.stats()).toMatchObject({ eager: 1, captures: 1, replays: 4, replaysDeviceWork: false });
  });

  it('keeps a constant made inside the step for its replays', async () => {
    const scaled = (x: Tensor): Promise<Tensor> => Promise.resolve(x.mul(tensor([1, 2, 3, 4])).sum(1));
    const step = compile(scaled);
    for (const [x] of batches(4)) expect(Array.from(await (await step(x)).data())).toEqual(Array.from(await (await scaled(x)).data()));
    expect(step.stats().replays).toBe(2);
  });

  it.each([
    ['returns a number', (x: Tensor) => Promise.resolve(x.shape[0]), /returns number 8, which a replay would return unchanged/],
    ['frees one of its inputs', (x: Tensor) => Promise.resolve(x.dispose()), /frees one of its inputs/],
    ['reads on the host', async (x: Tensor) => x.mul(2).mul(await x.sum().item()), /reads a tensor's values on the host \(item\(\)\)/],
    ['adds to a gradient from before the step', (x: Tensor) => {
      const v = gradientsKept;
      const loss = new Variable(x).mul(v).sum();
      loss.backward();
      return Promise.resolve(loss);
    }, /backward\(\) adds to a \.grad from before the step/],
    ['writes into a tensor it made from host values', (x: Tensor) => Promise.resolve(tensor([1, 2, 3, 4]).copy_(x.sum(0))), /writes in place into a tensor it made from host values/],
  ])('runs a step that %s as written, and says why once', async (_, fn: (x: Tensor) => Promise<unknown>, reason) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const step = compile(fn, { name: 'odd step' });
    for (const [x] of batches(4)) await step(x.clone());
    expect(step.stats()).toMatchObject({ eager: 3, captures: 1, replays: 0 });
    expect(step.stats().eagerReason).toMatch(reason);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/'odd step' runs as written on every call/);
  });

  it('refuses a Variable or another object as an argument, naming its position', async () => {
    const step = compile((_x: Tensor, v: unknown) => Promise.resolve(v));
    const [x] = batches(1)[0] as [Tensor, Tensor];
    await expect(step(x, new Variable(x))).rejects.toThrow(/argument 1 of '.*' is a Variable; pass its data/);
    await expect(step(x, new Map())).rejects.toThrow(/argument 1 of '.*' is Map; a compiled step takes tensors and plain values/);
  });

  it('runs a compiled step called inside another one being recorded as written, within the outer recording', async () => {
    const inner = compile((x: Tensor) => Promise.resolve(x.mul(3)));
    const outer = compile(async (x: Tensor) => (await inner(x)).add(1));
    for (const [x] of batches(5)) expect(Array.from(await (await outer(x)).data())).toEqual(Array.from(await x.mul(3).add(1).data()));
    expect(outer.stats()).toMatchObject({ eager: 1, captures: 1, replays: 3 });
    expect(inner.stats()).toMatchObject({ eager: 1, captures: 0, replays: 0 });
  });

  it('starts over after reset(): a call as written, then a recording', async () => {
    const step = compile((x: Tensor) => Promise.resolve(x.add(1)));
    for (const [x] of batches(3)) await step(x);
    step.reset();
    for (const [x] of batches(3)) await step(x);
    expect(step.stats()).toMatchObject({ eager: 2, captures: 2, replays: 2 });
  });

  it('passes on an error thrown while recording and stops recording', async () => {
    let calls = 0;
    const step = compile((x: Tensor) => {
      calls++;
      if (calls === 2) throw new Error('boom');
      return Promise.resolve(x.add(1));
    });
    const [[x]] = batches(1) as [[Tensor, Tensor]];
    await step(x);
    await expect(step(x)).rejects.toThrow('boom');
    expect(isCapturing()).toBe(false);
    await step(x);
    expect(step.stats()).toMatchObject({ eager: 1, captures: 1 });
  });
});
