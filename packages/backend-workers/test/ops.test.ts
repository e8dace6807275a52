import { adadeltaStep, adagradStep, adamStep, fromValues, full, rmspropStep, sgdStep, tensor, zeros, type Tensor } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { ELEMENTWISE_PARALLEL_ELEMENTS, OPTIMIZER_PARALLEL_ELEMENTS, type WorkersBackend } from '../src/index.js';
import { expectMatches, pair, workersBackend } from './helpers.js';

/*
 * Every accelerated kernel against the cpu kernel: odd sizes (not multiples of 4, 8 or 16, so the
 * vector tails run), broadcast and transposed views (each fast path, and the fallbacks beside
 * them), special values, and sizes past the thread-splitting thresholds.
 */

const SPECIALS = [Number.NaN, -0, 0, -1.5, 2, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-40];
const BIG = ELEMENTWISE_PARALLEL_ELEMENTS + 37;

/** cpu and workers tensors holding special values followed by random ones. */
function withSpecials(size: number, seed: number): [Tensor, Tensor] {
  const [cpu] = pair([size], seed);
  const values = Float32Array.from(cpu.dataSync());
  values.set(SPECIALS.slice(0, size));
  const special = fromValues(values, [size], 'cpu');
  return [special, special.to('workers')];
}

describe('workers elementwise kernels against cpu', () => {
  let backend: WorkersBackend;
  beforeAll(async () => {
    backend = await workersBackend();
  });

  for (const size of [1, 7, 37, BIG]) {
    it(`unary ops on ${size} elements`, () => {
      const [a, x] = withSpecials(size, 1);
      for (const op of ['neg', 'abs', 'relu', 'sqrt', 'sign', 'exp', 'log', 'sigmoid', 'tanh'] as const) {
        expectMatches(x[op](), a[op]());
      }
    });

    it(`binary ops and comparisons on ${size} elements`, () => {
      const [a, x] = withSpecials(size, 2);
      const [b, y] = pair([size], 3);
      for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow'] as const) {
        expectMatches(x[op](y), a[op](b));
        expectMatches(y[op](x), b[op](a));
        expectMatches(x[op](0.5), a[op](0.5));
      }
      for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
        expectMatches(x[op](y), a[op](b));
        expectMatches(x[op](0), a[op](0));
        expectMatches(full([size], 0.25, { device: 'workers' })[op](x), full([size], 0.25, { device: 'cpu' })[op](a));
      }
    });
  }

  it('broadcasts rows (a bias), columns and scalars on either side, and other layouts through the fallback', () => {
    const [a, x] = pair([33, 19], 4);
    const [row, rowW] = pair([19], 5);
    const [column, columnW] = pair([33, 1], 6);
    const [odd, oddW] = pair([1, 5, 19], 7);
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum'] as const) {
      expectMatches(x[op](rowW), a[op](row));
      expectMatches(rowW[op](x), row[op](a));
      expectMatches(x[op](columnW), a[op](column));
      expectMatches(columnW[op](x), column[op](a));
      expectMatches(x.transpose(0, 1)[op](columnW.transpose(0, 1)), a.transpose(0, 1)[op](column.transpose(0, 1)));
      expectMatches(x.unsqueeze(1)[op](oddW), a.unsqueeze(1)[op](odd));
    }
    const [big, bigW] = pair([Math.ceil(BIG / 64), 64], 8);
    const [bias, biasW] = pair([64], 9);
    expectMatches(bigW.add(biasW), big.add(bias));
    expectMatches(bigW.transpose(0, 1).relu(), big.transpose(0, 1).relu());
  });

  it('selects with where: dense and broadcast branches, float32 and int32', () => {
    const [a, x] = withSpecials(BIG, 10);
    const [b, y] = pair([BIG], 11);
    expectMatches(y.where(x.gt(0), 0), b.where(a.gt(0), 0));
    expectMatches(y.where(x.gt(0), x), b.where(a.gt(0), a));
    expectMatches(y.mul(100).int().where(x.lt(0), 7), b.mul(100).int().where(a.lt(0), 7));
    expectMatches(x.relu().where(x.ge(0), y.transpose(0, 0)), a.relu().where(a.ge(0), b));
  });

  it('selects with a condition repeated over leading dims (a causal mask over batch and heads), split across threads', () => {
    // 37 × 61 flags: a period that no thread boundary or vector width divides.
    const [scoresA, scoresX] = pair([Math.ceil(BIG / (37 * 61)), 37, 61], 14);
    const [maskA, maskX] = pair([37, 61], 15);
    expectMatches(scoresX.where(maskX.gt(0), -Infinity), scoresA.where(maskA.gt(0), -Infinity));
    expectMatches(scoresX.where(maskX.gt(0).reshape([1, 37, 61]), scoresX.neg()), scoresA.where(maskA.gt(0).reshape([1, 37, 61]), scoresA.neg()));
    const [rowA, rowX] = pair([61], 16);
    expectMatches(scoresX.where(rowX.gt(0), 0), scoresA.where(rowA.gt(0), 0));
  });

  it('splits large elementwise ops across the pool and keeps small ones on the caller', async () => {
    const [a, x] = pair([BIG], 12);
    await backend.ready();
    const before = { ...backend.pool.stats };
    expectMatches(x.mul(3), a.mul(3));
    expect(backend.pool.stats.posted + backend.pool.stats.retracted).toBeGreaterThan(before.posted + before.retracted);
    const [c, z] = pair([1000], 13);
    const middle = { ...backend.pool.stats };
    expectMatches(z.mul(3), c.mul(3));
    expect(backend.pool.stats).toEqual(middle);
  });
});

describe('workers reductions, copies and fills against cpu', () => {
  beforeAll(async () => {
    await workersBackend();
  });

  it('sums and means over leading, trailing and middle dims', () => {
    for (const shape of [[37], [5, 7], [128, 512], [3, 5, 7], [Math.ceil(BIG / 65), 65]]) {
      const [a, x] = pair(shape, shape.length);
      for (let d = 0; d < shape.length; d++) {
        expectMatches(x.sum(d), a.sum(d), 1e-6);
        expectMatches(x.mean(d), a.mean(d), 1e-6);
      }
      expectMatches(x.sum(), a.sum(), 1e-6);
      expectMatches(x.max(-1).values, a.max(-1).values);
      expectMatches(x.transpose(0, -1).sum(0), a.transpose(0, -1).sum(0), 1e-6);
    }
    expectMatches(zeros([0, 3], { device: 'workers' }).sum(0), zeros([0, 3], { device: 'cpu' }).sum(0));
    expectMatches(zeros([0, 3], { device: 'workers' }).mean(0), zeros([0, 3], { device: 'cpu' }).mean(0));
  });

  it('copies transposed, permuted, sliced and broadcast views of every dtype', () => {
    for (const [rows, cols] of [[1, 1], [5, 3], [17, 9], [512, 784]] as const) {
      const [a, x] = pair([rows, cols], rows);
      expectMatches(x.transpose(0, 1).contiguous(), a.transpose(0, 1).contiguous());
      expectMatches(x.mul(9).int().transpose(0, 1).contiguous(), a.mul(9).int().transpose(0, 1).contiguous());
      expectMatches(x.double().transpose(0, 1).contiguous(), a.double().transpose(0, 1).contiguous());
      expectMatches(x.gt(0).transpose(0, 1).contiguous(), a.gt(0).transpose(0, 1).contiguous());
    }
    const [b, y] = pair([4, 5, 6], 20);
    expectMatches(y.permute(2, 0, 1).contiguous(), b.permute(2, 0, 1).contiguous());
    expectMatches(y.slice(2, 1, 6, 2).contiguous(), b.slice(2, 1, 6, 2).contiguous());
    expectMatches(y.narrow(1, 1, 3).contiguous(), b.narrow(1, 1, 3).contiguous());
    expectMatches(y.select(2, 3).contiguous(), b.select(2, 3).contiguous());
    expectMatches(y.narrow(2, 0, 1).expand(4, 5, 3).contiguous(), b.narrow(2, 0, 1).expand(4, 5, 3).contiguous());
  });

  it('fills every dtype as a cast would', () => {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
      for (const value of [0, 2.75, -3.5, Number.NaN]) {
        if (dtype === 'int32' && Number.isNaN(value)) continue; // no int32 holds NaN: refused below
        expectMatches(full([37], value, { device: 'workers', dtype }), full([37], value, { device: 'cpu', dtype }));
      }
    }
    expect(() => full([37], Number.NaN, { device: 'workers', dtype: 'int32' })).toThrow('full: NaN does not fit int32');
  });

  it('refuses a tensor larger than its memory can hold, before allocating', () => {
    expect(() => full([2 ** 30 + 1], 0, { device: 'workers' })).toThrow(
      new RangeError("full: a float32 tensor of shape [1073741825] has 1073741825 elements (4294967300 bytes), more than backend 'workers' can hold: at most 4294967296 bytes (one WebAssembly memory holds every tensor, 4 GiB at most)"),
    );
  });
});

describe('workers optimizer kernels against cpu', () => {
  let backend: WorkersBackend;
  beforeAll(async () => {
    backend = await workersBackend();
  });

  /** Ten steps of `update` on both backends from the same parameter and gradients. */
  function trajectory(size: number, update: (param: Tensor, grad: Tensor, state: Tensor[], step: number) => void, states: number): void {
    const [p, pW] = pair([size], 30);
    const cpuState = Array.from({ length: states }, () => zeros([size], { device: 'cpu' }));
    const workersState = Array.from({ length: states }, () => zeros([size], { device: 'workers' }));
    for (let step = 1; step <= 10; step++) {
      const [g, gW] = pair([size], 30 + step);
      update(p, g, cpuState, step);
      update(pW, gW, workersState, step);
    }
    // float32 arithmetic against the cpu kernel's float64: a few ulps per step.
    expectMatches(pW, p, 1e-5);
    workersState.forEach((s, i) => expectMatches(s, cpuState[i] as Tensor, 1e-5));
  }

  for (const size of [1, 37, OPTIMIZER_PARALLEL_ELEMENTS + 19]) {
    it(`Adam, AdamW and amsgrad on ${size} parameters`, () => {
      for (const [weightDecay, decoupledWeightDecay, amsgrad] of [[0, false, false], [0.1, false, true], [0.01, true, false]] as const) {
        trajectory(size, (param, grad, [expAvg, expAvgSq, max], step) =>
          adamStep(param, grad, { expAvg: expAvg as Tensor, expAvgSq: expAvgSq as Tensor, maxExpAvgSq: amsgrad ? (max as Tensor) : null }, {
            lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupledWeightDecay, step,
          }), 3);
      }
    });

    it(`SGD with momentum, dampening and Nesterov on ${size} parameters`, () => {
      for (const [momentum, dampening, nesterov] of [[0, 0, false], [0.9, 0.1, false], [0.9, 0, true]] as const) {
        trajectory(size, (param, grad, [buffer], step) =>
          sgdStep(param, grad, momentum > 0 ? (buffer as Tensor) : null, { lr: 0.1, momentum, dampening, weightDecay: 0.01, nesterov, firstStep: step === 1 }), 1);
      }
    });
  }

  // Sizes whose vector tails have one, two and three lanes, and one past the threading threshold.
  for (const size of [1, 6, 39, OPTIMIZER_PARALLEL_ELEMENTS + 19]) {
    it(`Adadelta with weight decay and maximize on ${size} parameters`, () => {
      for (const [weightDecay, maximize] of [[0, false], [0.1, true]] as const) {
        trajectory(size, (param, grad, [squareAvg, accDelta]) =>
          adadeltaStep(param, grad, { squareAvg: squareAvg as Tensor, accDelta: accDelta as Tensor }, { lr: 1, rho: 0.9, eps: 1e-6, weightDecay, maximize }), 2);
      }
    });

    it(`RMSprop plain, centered, with momentum and maximize on ${size} parameters`, () => {
      for (const [centered, momentum, maximize] of [[false, 0, false], [true, 0, true], [false, 0.9, false], [true, 0.5, true]] as const) {
        trajectory(size, (param, grad, [squareAvg, gradAvg, buffer]) =>
          rmspropStep(param, grad, { squareAvg: squareAvg as Tensor, gradAvg: centered ? (gradAvg as Tensor) : null, momentumBuffer: momentum > 0 ? (buffer as Tensor) : null }, {
            lr: 0.01, alpha: 0.9, eps: 1e-8, weightDecay: 0.1, momentum, maximize,
          }), 3);
      }
    });

    it(`Adagrad with lrDecay, weight decay and maximize on ${size} parameters`, () => {
      for (const [lrDecay, maximize] of [[0, false], [0.1, true]] as const) {
        trajectory(size, (param, grad, [sum], step) =>
          adagradStep(param, grad, sum as Tensor, { lr: 0.1, lrDecay, weightDecay: 0.05, eps: 1e-10, maximize, step }), 1);
      }
    });
  }

  it('ran every dense float32 update above in WebAssembly, none on the cpu kernel', () => {
    const optimizerKernels = ['AdamStep', 'SgdStep', 'AdadeltaStep', 'RmspropStep', 'AdagradStep'];
    expect(backend.fallbacks.filter((f) => optimizerKernels.includes(f.kernel))).toEqual([]);
  });

  it('takes a transposed gradient through the cpu kernel', () => {
    const param = tensor([[1, 2], [3, 4]], { device: 'workers' });
    const grad = tensor([[1, 0], [0, 1]], { device: 'workers' }).transpose(0, 1);
    sgdStep(param, grad, null, { lr: 0.5, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, firstStep: true });
    expect(Array.from(param.dataSync())).toEqual([0.5, 2, 3, 3.5]);
  });
});
