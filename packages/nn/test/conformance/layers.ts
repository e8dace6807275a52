import { Variable } from '@kindling/autograd';
import { getBackend, manualSeed, ones, randn, tensor, Generator } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { Dropout, Flatten, functional as F, init, Linear, Parameter, ReLU, Sigmoid, Tanh } from '../../src/index.js';
import { expectValues } from './harness.js';

function moments(values: ArrayLike<number>): { mean: number; variance: number; maxAbs: number } {
  let sum = 0;
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i] as number;
    maxAbs = Math.max(maxAbs, Math.abs(values[i] as number));
  }
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += ((values[i] as number) - mean) ** 2;
  return { mean, variance: squares / values.length, maxAbs };
}

/** Checks that `values` look like n samples of U(-b, b): inside the bounds, reaching them, and with its mean, variance and histogram. */
export function expectUniform(values: ArrayLike<number>, bound: number): void {
  const n = values.length;
  const { mean, variance, maxAbs } = moments(values);
  // The bound as a float32: the samples are float32, and rounding can land exactly on it.
  expect(maxAbs).toBeLessThanOrEqual(Math.fround(bound));
  const sigma = bound / Math.sqrt(3);
  // Each bound is within 5 standard errors; the check fails by chance far less than once in a million runs.
  expect(Math.abs(mean)).toBeLessThan((5 * sigma) / Math.sqrt(n));
  const varianceStdError = Math.sqrt((bound ** 4 / 5 - sigma ** 4) / n);
  expect(Math.abs(variance - sigma ** 2)).toBeLessThan(5 * varianceStdError + 1e-12);
  if (n >= 10000) {
    expect(maxAbs).toBeGreaterThan(0.999 * bound);
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) {
      const bin = Math.min(9, Math.floor((((values[i] as number) + bound) / (2 * bound)) * 10));
      bins[bin] = (bins[bin] ?? 0) + 1;
    }
    for (const count of bins) expect(Math.abs(count / n - 0.1)).toBeLessThan(5 * Math.sqrt(0.09 / n));
  }
}

export function layersSuite(): void {
  describe('Linear', () => {
    it('computes x·Wᵀ + b for batches and sequences', async () => {
      const layer = new Linear(3, 2);
      layer.loadStateDict({ weight: tensor([[1, 2, 3], [-1, 0, 1]]), bias: tensor([0.5, -0.5]) });
      await expectValues(layer.forward(tensor([[1, 1, 1], [0, 1, 0]])), [6.5, -0.5, 2.5, -0.5], { shape: [2, 2] });
      expect(layer.forward(ones([4, 5, 3])).shape).toEqual([4, 5, 2]);
      const noBias = new Linear(3, 2, { bias: false });
      expect(noBias.bias).toBeNull();
      expect(noBias.parameters()).toHaveLength(1);
    });

    it('names the shapes when the input does not fit', () => {
      expect(() => new Linear(3, 2).forward(ones([4, 5]))).toThrow(/input has shape \[4, 5\].*\[2, 3\].*last dim is 3/);
      expect(() => new Linear(-1, 2)).toThrow(/inFeatures must be a non-negative integer, got -1/);
    });

    it("draws PyTorch's default initialisation: both bounds 1/√inFeatures", async () => {
      manualSeed(0);
      const layer = new Linear(784, 512);
      const bound = 1 / Math.sqrt(784);
      expectUniform(await layer.weight.data.data(), bound);
      expectUniform(await layer.bias!.data.data(), bound);
    });

    it('holds no storage beyond its parameters once built (the placeholders are freed, not left to the collector)', () => {
      const backend = getBackend();
      const before = backend.liveStorageCount();
      const layer = new Linear(6, 4);
      expect(backend.liveStorageCount()).toBe(before + 2);
      const empty = new Linear(0, 3);
      expect(empty.weight.shape).toEqual([3, 0]);
      expect(backend.liveStorageCount()).toBe(before + 4);
      for (const parameter of [...layer.parameters(), ...empty.parameters()]) parameter.data.dispose();
      expect(backend.liveStorageCount()).toBe(before);
    });

    it('is reproducible from the seed', async () => {
      manualSeed(7);
      const a = await new Linear(4, 3).weight.data.data();
      manualSeed(7);
      const b = await new Linear(4, 3).weight.data.data();
      expect(Array.from(a)).toEqual(Array.from(b));
    });
  });

  describe('init', () => {
    it('computes fans and gains as torch.nn.init', () => {
      expect(init.calculateFanInAndFanOut([16, 8, 3, 3])).toEqual({ fanIn: 72, fanOut: 144 });
      expect(() => init.calculateFanInAndFanOut([5])).toThrow(/fewer than 2 dims \(shape \[5\]\)/);
      expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2);
      expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3);
      expect(init.calculateGain('leakyRelu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3));
      expect(init.calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / 1.0001));
    });

    it('fills with the right distributions', async () => {
      const generator = new Generator(3);
      const w = new Parameter(ones([300, 200]));
      expect(init.kaimingUniform(w, { generator, nonlinearity: 'relu' })).toBe(w);
      expectUniform(await w.data.data(), Math.sqrt(6 / 200));
      init.kaimingUniform(w, { generator, mode: 'fanOut' });
      expectUniform(await w.data.data(), Math.sqrt(6 / 300));
      init.xavierUniform(w, { generator });
      expectUniform(await w.data.data(), Math.sqrt(6 / 500));
      init.uniform(w, -2, 2, { generator });
      expectUniform(await w.data.data(), 2);

      // A sample standard deviation over n normal samples has a standard error of about std/√(2n).
      const expectNormal = async (mean: number, std: number): Promise<void> => {
        const sample = moments(await w.data.data());
        expect(Math.abs(sample.mean - mean)).toBeLessThan((5 * std) / Math.sqrt(w.numel()));
        expect(Math.abs(Math.sqrt(sample.variance) - std)).toBeLessThan((5 * std) / Math.sqrt(2 * w.numel()));
      };
      init.kaimingNormal(w, { generator, nonlinearity: 'relu' });
      await expectNormal(0, Math.sqrt(2 / 200));
      init.normal(w, 3, 0.5, { generator });
      await expectNormal(3, 0.5);
      init.xavierNormal(w, { generator, gain: 2 });
      await expectNormal(0, 2 * Math.sqrt(2 / 500));

      await expectValues(init.zeros(new Parameter(ones([2]))), [0, 0]);
      await expectValues(init.ones(new Parameter(ones([2]).mul(5))), [1, 1]);
      await expectValues(init.constant(new Parameter(ones([2])), 0.25), [0.25, 0.25]);
    });

    it('rejects what it cannot initialise', () => {
      expect(() => init.kaimingUniform(new Parameter(ones([4])))).toThrow(/fewer than 2 dims/);
      expect(() => init.uniform(new Variable(tensor([1, 2], { dtype: 'int32' })))).toThrow(/only floating-point tensors.*int32/);
      expect(() => init.uniform(new Parameter(ones([2])), 1, 0)).toThrow(/low <= high, got low=1, high=0/);
      expect(() => init.normal(new Parameter(ones([2])), 0, -1)).toThrow(/std must be non-negative, got -1/);
    });
  });

  describe('activations, Flatten and Dropout', () => {
    it('apply their functions', async () => {
      const x = tensor([-2, 0, 3]);
      await expectValues(new ReLU().forward(x), [0, 0, 3]);
      await expectValues(new Sigmoid().forward(x), [1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-3))]);
      await expectValues(new Tanh().forward(x), [Math.tanh(-2), 0, Math.tanh(3)]);
      await expectValues(F.softmax(tensor([0, Math.log(3)]), 0), [0.25, 0.75]);
      await expectValues(F.logSoftmax(tensor([0, Math.log(3)]), 0), [Math.log(0.25), Math.log(0.75)]);
    });

    it('Flatten keeps the batch dim and passes gradients back in shape', () => {
      const x = new Variable(randn([2, 1, 3, 4]), { requiresGrad: true });
      const y = new Flatten().forward(x);
      expect(y.shape).toEqual([2, 12]);
      y.sum().backward();
      expect(x.grad?.shape).toEqual([2, 1, 3, 4]);
      expect(new Flatten(0).forward(x).shape).toEqual([24]);
    });

    it('Dropout zeroes about p of the elements, scales the rest, and is the identity in eval mode', async () => {
      manualSeed(11);
      const p = 0.3;
      const drop = new Dropout(p);
      const x = new Variable(ones([100, 100]), { requiresGrad: true });
      const y = drop.forward(x);
      const values = Array.from(await y.data.data());
      const zeros = values.filter((v) => v === 0).length / values.length;
      expect(Math.abs(zeros - p)).toBeLessThan(0.03);
      expect(values.every((v) => v === 0 || Math.abs(v - 1 / (1 - p)) < 1e-6)).toBe(true);
      y.sum().backward();
      // The gradient follows the same mask and scale.
      expect(Array.from(await x.grad!.data())).toEqual(values.map((v) => (v === 0 ? 0 : Math.fround(1 / (1 - p)))));

      drop.eval();
      expect(drop.forward(x)).toBe(x);
      await expectValues(new Dropout(1).forward(ones([3])), [0, 0, 0]);
      const same = new Variable(ones([3]));
      expect(new Dropout(0).forward(same)).toBe(same);
    });

    it('Dropout rejects a probability outside [0, 1]', () => {
      expect(() => new Dropout(1.5)).toThrow(/p must be in \[0, 1\], got 1\.5/);
      expect(() => F.dropout(ones([2]), -0.1)).toThrow(/got -0\.1/);
    });
  });
}
