import { adadeltaStep, adagradStep, adamStep, cat, findBackend, Generator, oneHot, rand, rmspropStep, setBackend, sgdStep, tensor, zeros, type Tensor } from '@kindling/tensor';
import { Variable } from '@kindling/autograd';
import { functional as F, Linear } from '@kindling/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWebGpuBackend, WebGpuBackend } from '../../src/index.js';

/*
 * Every kernel and every specialisation its program key encodes (dtype, rank, row-major or
 * strided operands, transposed matmul layouts, fused epilogues, amsgrad, momentum, centered), run on
 * `webgpu` and on the `cpu` oracle from the same values, and compared.
 */

registerWebGpuBackend();

/** A case builds its result from an input maker bound to one device. */
type Make = (shape: number[], options?: { dtype?: 'float32' | 'int32' | 'bool'; low?: number; high?: number }) => Tensor;
type Case = [name: string, build: (make: Make, device: string) => Tensor | Tensor[]];

function makerFor(device: string, seed: number): Make {
  const generator = new Generator(seed);
  return (shape, { dtype = 'float32', low = -2, high = 2 } = {}) => {
    const values = rand(shape, { generator, device: 'cpu' }).mul(high - low).add(low);
    const typed = dtype === 'float32' ? values : dtype === 'int32' ? values.int() : values.gt(0);
    return tensor(typed.dataSync(), { shape, dtype, device });
  };
}

async function valuesOf(result: Tensor | Tensor[]): Promise<number[][]> {
  const list = Array.isArray(result) ? result : [result];
  return Promise.all(list.map(async (t) => Array.from(await t.data(), Number)));
}

async function expectAgreement(build: Case[1], seed: number, tolerance = 1e-5): Promise<void> {
  const want = await valuesOf(build(makerFor('cpu', seed), 'cpu'));
  const got = await valuesOf(build(makerFor('webgpu', seed), 'webgpu'));
  expect(got.map((v) => v.length)).toEqual(want.map((v) => v.length));
  got.forEach((values, k) =>
    values.forEach((value, i) => {
      const expected = want[k]?.[i] as number;
      if (Number.isNaN(expected)) expect(value, `output ${k}[${i}]`).toBeNaN();
      else expect(Math.abs(value - expected), `output ${k}[${i}]: ${value} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
    }),
  );
}

const idx = (values: number[], shape: number[], device: string) => tensor(values, { dtype: 'int32', shape, device });

const CASES: Case[] = [
  ['matmul nn with ragged tiles', (make) => make([70, 33]).matmul(make([33, 65]))],
  ['matmul tn (transposed a)', (make) => make([33, 70]).T.matmul(make([33, 65]))],
  ['matmul nt (transposed b, as Linear)', (make) => make([70, 33]).matmul(make([65, 33]).T)],
  ['matmul tt', (make) => make([33, 70]).T.matmul(make([65, 33]).T)],
  ['matmul gg (stepped slices)', (make) => make([70, 66]).slice(1, 0, 66, 2).matmul(make([66, 65]).slice(0, 0, 66, 2))],
  ['matmul with broadcast batch dims', (make) => make([2, 1, 5, 7]).matmul(make([3, 7, 4]))],
  ['int32 matmul', (make) => make([9, 5], { dtype: 'int32', low: -5, high: 5 }).matmul(make([5, 6], { dtype: 'int32', low: -5, high: 5 }))],
  ['fused linear: relu(x @ w.T + b)', (make) => make([70, 33]).matmul(make([65, 33]).T).add(make([65])).relu()],
  ['fused linear keeps the intermediates', (make) => {
    const product = make([9, 4]).matmul(make([4, 6]));
    const biased = make([6]).add(product);
    return [product, biased, biased.relu()];
  }],
  ['bias along rows is not fused', (make) => make([9, 4]).matmul(make([4, 6])).add(make([9, 1])).relu()],
  ['a one-row product added to itself is not fused', (make) => {
    const product = make([1, 4]).matmul(make([4, 6]));
    return product.add(product).relu();
  }],
  ['unary ops on a transposed view', (make) => ['neg', 'exp', 'log', 'sqrt', 'abs', 'relu', 'sigmoid', 'tanh', 'sign'].map((op) => {
    const x = make([5, 7], { low: -3, high: 3 }).T;
    return op === 'neg' ? x.neg() : op === 'exp' ? x.exp() : op === 'log' ? x.log() : op === 'sqrt' ? x.sqrt() : op === 'abs' ? x.abs() : op === 'relu' ? x.relu() : op === 'sigmoid' ? x.sigmoid() : op === 'tanh' ? x.tanh() : x.sign();
  })],
  ['int32 unary ops', (make) => {
    const x = make([11], { dtype: 'int32', low: -9, high: 9 });
    return [x.neg(), x.abs(), x.relu(), x.sign()];
  }],
  ['binary ops with broadcasting', (make) => {
    const a = make([4, 1, 3]);
    const b = make([5, 1]);
    return [a.add(b), a.sub(b), a.mul(b), a.div(b), a.abs().pow(b), a.maximum(b), a.minimum(b), a.pow(3), a.pow(-2)];
  }],
  ['int32 and bool binary ops', (make) => {
    const a = make([3, 4], { dtype: 'int32', low: -6, high: 6 });
    const b = make([4], { dtype: 'int32', low: 1, high: 4 });
    const p = make([3, 4], { dtype: 'bool' });
    const q = make([3, 1], { dtype: 'bool' });
    return [a.add(b), a.sub(b), a.mul(b), a.pow(b), a.maximum(b), a.minimum(b), a.div(b), p.add(q), p.mul(q)];
  }],
  ['comparisons, where and casts', (make) => {
    const a = make([6, 2]).T;
    const b = make([2, 1]);
    const i = make([2, 6], { dtype: 'int32', low: -3, high: 3 });
    return [a.eq(b), a.ne(b), a.lt(b), a.le(b), a.gt(b), a.ge(b), i.eq(0), a.where(a.gt(0), b), i.float(), a.int(), a.bool(), i.bool().int(), a.gt(0).float()];
  }],
  ['reductions over several dims of a permuted view', (make) => {
    const x = make([3, 4, 5]).permute(2, 0, 1);
    const bools = make([4, 5], { dtype: 'bool' });
    const ints = make([4, 5], { dtype: 'int32', low: -50, high: 50 });
    return [x.sum([0, 2]), x.mean(1), x.max(), x.min(0).values, x.sum(), bools.sum(1), ints.max(1).values, ints.min(), ints.sum(0)];
  }],
  ['a large reduction', (make) => [make([300, 70]).sum(0), make([70, 300]).sum(1), make([100, 100]).mean()]],
  ['argmax and argmin', (make) => {
    const x = make([6, 5]).T;
    return [x.argmax(1), x.argmin(0), x.argmax(), make([7], { dtype: 'int32', low: 0, high: 3 }).argmax()];
  }],
  ['softmax and logSoftmax along each dim', (make) => {
    const x = make([4, 3, 70], { low: -30, high: 30 });
    return [x.softmax(-1), x.logSoftmax(0), x.transpose(0, 2).logSoftmax(1)];
  }],
  ['gather, indexSelect, scatterAdd, indexAdd, oneHot', (make, device) => {
    const x = make([4, 5]);
    const index = idx([4, 0, 4, 1, 2, 3], [2, 3], device);
    const rows = idx([3, 0, 3], [3], device);
    return [
      x.gather(1, index),
      x.T.gather(0, idx([1, 3, 2, 0], [1, 4], device)),
      x.indexSelect(0, rows),
      x.indexSelect(1, rows),
      make([2, 5]).scatterAdd(1, index, make([2, 3])),
      make([4, 5]).indexAdd(0, rows, make([3, 5])),
      make([5, 4]).T.indexAdd(1, idx([4, 4], [2], device), make([4, 2])),
      oneHot(idx([2, 0, 1, 2], [2, 2], device), 3),
    ];
  }],
  ['concat of strided views', (make) => {
    const a = make([3, 4]).T;
    const b = make([4, 2]);
    const c = make([4, 8]).slice(1, 0, 8, 2);
    return [cat([a, b, c], 1), cat([make([2, 3], { dtype: 'int32' }), make([1, 3], { dtype: 'int32' })], 0)];
  }],
  ['fused Adam (plain and amsgrad) and SGD (plain and momentum) with a transposed gradient', (make, device) => {
    const outputs: Tensor[] = [];
    for (const amsgrad of [false, true]) {
      const param = make([3, 4]).contiguous();
      const state = { expAvg: zeros([3, 4], { device }), expAvgSq: zeros([3, 4], { device }), maxExpAvgSq: amsgrad ? zeros([3, 4], { device }) : null };
      for (let step = 1; step <= 3; step++) {
        adamStep(param, make([4, 3]).T, state, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupledWeightDecay: amsgrad, step });
      }
      outputs.push(param, state.expAvg, state.expAvgSq);
    }
    for (const momentum of [0, 0.9]) {
      const param = make([3, 4]).contiguous();
      const buffer = momentum > 0 ? zeros([3, 4], { device }) : null;
      for (let step = 0; step < 3; step++) {
        sgdStep(param, make([4, 3]).T, buffer, { lr: 0.1, momentum, dampening: 0.1, weightDecay: 0.01, nesterov: false, firstStep: step === 0 });
      }
      outputs.push(param, ...(buffer ? [buffer] : []));
    }
    return outputs;
  }],
  ['fused Adadelta, RMSprop (plain, centered, momentum) and Adagrad, with transposed and row-major gradients', (make, device) => {
    const outputs: Tensor[] = [];
    const state = () => make([3, 4], { low: 0.5, high: 1.5 }).contiguous();
    const gradient = (transposed: boolean) => (transposed ? make([4, 3]).T : make([3, 4]));
    for (const transposed of [false, true]) {
      const param = make([3, 4]).contiguous();
      const adadelta = { squareAvg: state(), accDelta: state() };
      for (let step = 0; step < 3; step++) adadeltaStep(param, gradient(transposed), adadelta, { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0.1, maximize: transposed });
      outputs.push(param, adadelta.squareAvg, adadelta.accDelta);
    }
    for (const [centered, momentum] of [[false, 0], [true, 0], [false, 0.9], [true, 0.5]] as const) {
      const param = make([3, 4]).contiguous();
      const rmsprop = { squareAvg: state(), gradAvg: centered ? zeros([3, 4], { device }) : null, momentumBuffer: momentum > 0 ? zeros([3, 4], { device }) : null };
      for (let step = 0; step < 3; step++) {
        rmspropStep(param, gradient(centered), rmsprop, { lr: 0.01, alpha: 0.9, eps: 1e-8, weightDecay: 0.1, momentum, maximize: momentum > 0.6 });
      }
      outputs.push(param, rmsprop.squareAvg, ...[rmsprop.gradAvg, rmsprop.momentumBuffer].filter((t): t is Tensor => t !== null));
    }
    for (const transposed of [false, true]) {
      const param = make([3, 4]).contiguous();
      const sum = state();
      for (let step = 1; step <= 3; step++) adagradStep(param, gradient(transposed), sum, { lr: 0.1, lrDecay: 0.1, weightDecay: 0.05, eps: 1e-10, maximize: transposed, step });
      outputs.push(param, sum);
    }
    return outputs;
  }],
];

describe("'webgpu' agrees with the 'cpu' oracle", () => {
  beforeAll(async () => {
    await setBackend('webgpu');
  });

  CASES.forEach(([name, build], i) => {
    it(name, async () => {
      await expectAgreement(build, 100 + i);
    });
  });

  it('marks out-of-range indices instead of reading other elements', async () => {
    const x = tensor([[1, 2], [3, 4]], { device: 'webgpu' });
    const bad = tensor([[0, 5], [-1, 1]], { dtype: 'int32', device: 'webgpu' });
    expect(Array.from(await x.gather(1, bad).data())).toEqual([1, NaN, NaN, 4]);
    expect(Array.from(await x.indexSelect(0, tensor([2], { dtype: 'int32', device: 'webgpu' })).data())).toEqual([NaN, NaN]);
    expect(Array.from(await x.scatterAdd(1, bad, x).data())).toEqual([NaN, NaN, NaN, NaN]);
    expect(Array.from(await oneHot(tensor([1, 3], { dtype: 'int32', device: 'webgpu' }), 2).data())).toEqual([0, 1, -2147483648, -2147483648]);
  });

  it('folds the bias add and the ReLU into the matmul dispatch', async () => {
    const backend = findBackend('webgpu');
    if (!(backend instanceof WebGpuBackend)) throw new Error('expected the webgpu backend');
    const x = tensor([[1, -2], [3, 4]], { device: 'webgpu' });
    const w = tensor([[0.5, -1], [2, 1]], { device: 'webgpu' });
    const b = tensor([-1, 0.5], { device: 'webgpu' });
    const before = backend.stats().dispatches;
    const out = x.matmul(w.T).add(b).relu();
    expect(Array.from(await out.data())).toEqual([1.5, 0.5, 0, 10.5]);
    // One dispatch for matmul + bias + ReLU (the read adds a copy, not a dispatch).
    expect(backend.stats().dispatches - before).toBe(1);

    // The same through nn and autograd, as the tutorial's network writes it.
    const layer = new Linear(2, 3);
    const input = new Variable(tensor([[1, 2], [3, -4]], { device: 'webgpu' }));
    const start = backend.stats().dispatches;
    const hidden = F.relu(layer.forward(input));
    expect(hidden.requiresGrad).toBe(true);
    await hidden.data.data();
    expect(backend.stats().dispatches - start).toBe(1);
  });
});
