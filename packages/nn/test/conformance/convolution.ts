import { gradcheck, Variable } from '@kindling/autograd';
import { getBackend, manualSeed, ones, randn, tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  Conv1d,
  Conv2d,
  functional as F,
  MaxPool2d,
  type AvgPool2dOptions,
  type Conv2dLayerOptions,
  type MaxPool2dOptions,
} from '../../src/index.js';
import { expectSpec, expectValues, fromSpec, readFixture, type TensorSpec } from './harness.js';
import { expectUniform } from './layers.js';

/*
 * Convolution and pooling: parity with PyTorch on the fixtures of
 * scripts/fixtures/generate_nn_fixtures.py (outputs and the gradients of input, weight and bias),
 * the layers' parameters and errors, and float64 finite-difference checks of every gradient.
 */

interface ConvCase {
  kind: 'conv';
  name: string;
  fn: 'conv1d' | 'conv2d';
  options: Conv2dLayerOptions;
  x: TensorSpec;
  weight: TensorSpec;
  bias: TensorSpec | null;
  upstream: TensorSpec;
  expected: { output: TensorSpec; grads: Record<'x' | 'weight' | 'bias', TensorSpec | undefined> };
}

interface PoolCase {
  kind: 'pool';
  name: string;
  fn: 'maxPool2d' | 'avgPool2d' | 'adaptiveAvgPool2d';
  size: number | [number, number] | [number | null, number | null];
  options: MaxPool2dOptions & AvgPool2dOptions;
  x: TensorSpec;
  upstream: TensorSpec;
  expected: { output: TensorSpec; inputGrad: TensorSpec };
}

const cases = readFixture<{ kind: string }[]>('nn.json');
const convCases = cases.filter((c): c is ConvCase => c.kind === 'conv');
const poolCases = cases.filter((c): c is PoolCase => c.kind === 'pool');
// Sums of dozens of float32 products: GPU backends accumulate in another order than PyTorch.
const TOLERANCE = 1e-4;

/** The case through the layer (which owns paddingMode), its parameters loaded from the fixture. */
function convLayer(c: ConvCase): Conv1d | Conv2d {
  const [outChannels, groupChannels, ...kernel] = c.weight.shape as number[];
  const inChannels = (groupChannels as number) * (c.options.groups ?? 1);
  const options = { ...c.options, bias: c.bias !== null };
  const layer =
    c.fn === 'conv2d'
      ? new Conv2d(inChannels, outChannels as number, kernel as [number, number], options)
      : new Conv1d(inChannels, outChannels as number, kernel as [number], options as ConstructorParameters<typeof Conv1d>[3]);
  layer.loadStateDict(c.bias === null ? { weight: fromSpec(c.weight) } : { weight: fromSpec(c.weight), bias: fromSpec(c.bias) });
  return layer;
}

function runPool(c: PoolCase, x: Variable): Variable {
  if (c.fn === 'maxPool2d') return F.maxPool2d(x, c.size as [number, number], c.options);
  if (c.fn === 'avgPool2d') return F.avgPool2d(x, c.size as [number, number], c.options);
  return F.adaptiveAvgPool2d(x, c.size);
}

function float64Leaf(shape: number[], seed: number): Variable {
  manualSeed(seed);
  return new Variable(randn(shape, { dtype: 'float64' }), { requiresGrad: true });
}

function conformanceParity(): void {
  describe('parity with PyTorch', () => {
    it('has convolution and pooling fixtures', () => {
      expect(convCases.length).toBeGreaterThan(10);
      expect(poolCases.length).toBeGreaterThan(10);
    });

    for (const c of convCases) {
      it(`${c.fn} forward and backward: ${c.name}`, async () => {
        const x = new Variable(fromSpec(c.x), { requiresGrad: true });
        const layer = convLayer(c);
        const { paddingMode, ...functionalOptions } = c.options;
        // Zero padding runs the functional form too, which must agree with the layer.
        const output = paddingMode === undefined ? (c.fn === 'conv2d' ? F.conv2d : F.conv1d)(x, layer.weight, layer.bias, functionalOptions as never) : layer.forward(x);
        await expectSpec(output, c.expected.output, TOLERANCE);
        output.mul(fromSpec(c.upstream)).sum().backward();
        await expectSpec(x.grad, c.expected.grads.x as TensorSpec, TOLERANCE);
        await expectSpec(layer.weight.grad, c.expected.grads.weight as TensorSpec, TOLERANCE);
        if (c.bias !== null) await expectSpec(layer.bias?.grad ?? null, c.expected.grads.bias as TensorSpec, TOLERANCE);
      });
    }

    for (const c of poolCases) {
      it(`${c.fn} forward and backward: ${c.name}`, async () => {
        const x = new Variable(fromSpec(c.x), { requiresGrad: true });
        const output = runPool(c, x);
        await expectSpec(output, c.expected.output, TOLERANCE);
        output.mul(fromSpec(c.upstream)).sum().backward();
        await expectSpec(x.grad, c.expected.inputGrad, TOLERANCE);
      });
    }
  });
}

function layerBehaviour(): void {
  describe('Conv2d, Conv1d and the pooling layers', () => {
    it("has PyTorch's parameter shapes and state-dict keys", () => {
      const conv = new Conv2d(4, 6, [3, 2], { groups: 2 });
      expect(Object.entries(conv.stateDict()).map(([name, value]) => [name, value.shape])).toEqual([
        ['weight', [6, 2, 3, 2]],
        ['bias', [6]],
      ]);
      expect(Object.entries(new Conv1d(3, 5, 4, { bias: false }).stateDict()).map(([name, value]) => [name, value.shape])).toEqual([['weight', [5, 3, 4]]]);
      expect(String(new Conv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2 }))).toBe('Conv2d(4, 6, kernelSize=[3,3], stride=2, padding=1, groups=2)');
      expect(String(new Conv1d(2, 3, 2, { padding: 'same', bias: false, paddingMode: 'circular' }))).toBe("Conv1d(2, 3, kernelSize=[2], padding='same', bias=false, paddingMode='circular')");
    });

    it("draws PyTorch's default initialisation: both bounds 1/√(inChannels / groups · kH · kW)", async () => {
      manualSeed(0);
      const conv = new Conv2d(32, 64, 3, { groups: 2 });
      const bound = 1 / Math.sqrt(16 * 9);
      expectUniform(await conv.weight.data.data(), bound);
      expectUniform(await conv.bias!.data.data(), bound);
    });

    it('holds no storage beyond its parameters once built', () => {
      const backend = getBackend();
      const before = backend.liveStorageCount();
      const conv = new Conv2d(2, 3, 3);
      expect(backend.liveStorageCount()).toBe(before + 2);
      for (const parameter of conv.parameters()) parameter.data.dispose();
      expect(backend.liveStorageCount()).toBe(before);
    });

    it('says what is wrong with shapes and options', () => {
      const weight = ones([4, 3, 3, 3]);
      expect(() => F.conv2d(ones([1, 2, 5, 5]), weight)).toThrow(/weight \[4, 3, 3, 3\] expects 3 input channels .* input \[1, 2, 5, 5\] has 2/);
      expect(() => F.conv2d(ones([1, 3, 2, 5]), weight)).toThrow(/padded to 2 along spatial dim 0 is smaller than the kernel/);
      expect(() => F.conv2d(ones([1, 3, 5, 5]), weight, null, { stride: 2, padding: 'same' })).toThrow(/padding 'same' needs stride 1/);
      expect(() => F.conv2d(ones([1, 3, 5, 5]), weight, ones([3]))).toThrow(/bias must have shape \[4\].*got \[3\]/);
      expect(() => F.conv2d(ones([3, 5, 5]).reshape([15, 5]), weight)).toThrow(/expected an input \[N, C, H, W\]/);
      expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/groups must be a positive integer dividing inChannels \(3\)/);
      expect(() => new Conv2d(2, 4, 3, { stride: 0 })).toThrow(/stride must be an integer or 2 integers of at least 1, got 0/);
      expect(() => new Conv1d(2, 4, 3, { paddingMode: 'mirror' as never })).toThrow(/paddingMode must be one of zeros, reflect, replicate, circular/);
      expect(() => new Conv2d(1, 1, 3, { padding: 3, paddingMode: 'reflect' }).forward(ones([1, 1, 3, 3]))).toThrow(/padding 3 is too large for 'reflect'/);
      expect(() => F.maxPool2d(ones([1, 1, 6, 6]), 2, { padding: 2 })).toThrow(/padding 2 must be at most half the kernel size 2/);
      expect(() => F.avgPool2d(ones([1, 1, 6, 6]), 2, { divisorOverride: 0 })).toThrow(/divisorOverride must be a non-zero number/);
    });

    it('computes unbatched inputs and the layers as their functions', async () => {
      const x = tensor([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]);
      await expectValues(new MaxPool2d(2, { stride: 1 }).forward(x), [5, 6, 8, 9], { shape: [1, 2, 2] });
      await expectValues(new AvgPool2d(2, { stride: 1 }).forward(x), [3, 4, 6, 7], { shape: [1, 2, 2] });
      await expectValues(new AdaptiveAvgPool2d(1).forward(x), [5], { shape: [1, 1, 1] });
      await expectValues(F.conv2d(x, ones([1, 1, 2, 2])), [12, 16, 24, 28], { shape: [1, 2, 2] });
      await expectValues(F.conv1d(tensor([[1, 2, 3, 4]]), ones([2, 1, 2]), tensor([0, 10]), { padding: 'same' }), [3, 5, 7, 4, 13, 15, 17, 14], { shape: [2, 4] });
      expect(String(new MaxPool2d(3, { stride: 2, ceilMode: true }))).toBe('MaxPool2d(kernelSize=3, stride=2, ceilMode=true)');
    });
  });
}

function gradchecks(float64: boolean): void {
  describe('gradients against finite differences (float64)', () => {
    it.skipIf(!float64)('conv2d: input, weight and bias, with stride, padding, dilation and groups (needs float64)', async () => {
      const inputs = [float64Leaf([2, 4, 6, 5], 1), float64Leaf([6, 2, 3, 2], 2), float64Leaf([6], 3)];
      const conv = (x: Variable, w: Variable, b: Variable) => F.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 });
      expect(await gradcheck(conv, inputs)).toBe(true);
    });

    it.skipIf(!float64)("conv2d with padding 'same' and an even kernel, and conv1d (needs float64)", async () => {
      expect(await gradcheck((x, w) => F.conv2d(x, w, null, { padding: 'same' }), [float64Leaf([1, 2, 4, 5], 4), float64Leaf([3, 2, 2, 3], 5)])).toBe(true);
      const conv1d = (x: Variable, w: Variable, b: Variable) => F.conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2 });
      expect(await gradcheck(conv1d, [float64Leaf([2, 3, 9], 6), float64Leaf([4, 3, 3], 7), float64Leaf([4], 8)])).toBe(true);
    });

    it.skipIf(!float64)('Conv2d with reflect, replicate and circular padding (needs float64)', async () => {
      for (const paddingMode of ['reflect', 'replicate', 'circular'] as const) {
        const layer = new Conv2d(2, 2, 3, { padding: [1, 2], paddingMode, dtype: 'float64' });
        expect(await gradcheck((x) => layer.forward(x), [float64Leaf([1, 2, 4, 4], 9)]), paddingMode).toBe(true);
      }
    });

    it.skipIf(!float64)('maxPool2d with padding, dilation and ceilMode (needs float64)', async () => {
      const pool = (x: Variable) => F.maxPool2d(x, 3, { stride: 2, padding: 1, dilation: [1, 2], ceilMode: true });
      expect(await gradcheck(pool, [float64Leaf([2, 2, 7, 8], 10)])).toBe(true);
    });

    it.skipIf(!float64)('avgPool2d with and without the padding counted, and adaptiveAvgPool2d (needs float64)', async () => {
      for (const countIncludePad of [true, false]) {
        const pool = (x: Variable) => F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad });
        expect(await gradcheck(pool, [float64Leaf([1, 2, 6, 8], 11)])).toBe(true);
      }
      expect(await gradcheck((x) => F.adaptiveAvgPool2d(x, [3, 2]), [float64Leaf([2, 1, 7, 5], 12)])).toBe(true);
    });
  });
}

export function convolutionSuite(float64: boolean): void {
  describe('convolution and pooling', () => {
    conformanceParity();
    layerBehaviour();
    gradchecks(float64);
  });
}
