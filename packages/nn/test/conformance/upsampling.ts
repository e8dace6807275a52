import { cat, gradcheck, Variable } from '@kindling/autograd';
import { manualSeed, ones, randn, tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import {
  Conv2d,
  ConvTranspose1d,
  ConvTranspose2d,
  functional as F,
  MaxPool2d,
  Module,
  Sequential,
  Upsample,
  type ConvTranspose2dLayerOptions,
  type Input,
  type InterpolateOptions,
} from '../../src/index.js';
import upsamplingFixture from '../fixtures/upsampling.json' with { type: 'json' };
import { expectSpec, expectValues, fromSpec, type TensorSpec } from './harness.js';
import { expectUniform } from './layers.js';

/*
 * Transposed convolutions and resizing: parity with PyTorch on the fixtures of
 * scripts/fixtures/generate_upsampling_fixtures.py (outputs and the gradients of input, weight and
 * bias), a UNet-like model loaded from PyTorch's state dict, the layers' parameters and errors, and
 * float64 finite-difference checks of every gradient.
 */

interface ConvTransposeCase {
  kind: 'convTranspose';
  name: string;
  fn: 'convTranspose1d' | 'convTranspose2d';
  options: ConvTranspose2dLayerOptions;
  outputSize: number[] | null;
  x: TensorSpec;
  weight: TensorSpec;
  bias: TensorSpec | null;
  upstream: TensorSpec;
  expected: { output: TensorSpec; grads: Record<'x' | 'weight' | 'bias', TensorSpec | undefined> };
}

interface InterpolateCase {
  kind: 'interpolate';
  name: string;
  options: InterpolateOptions;
  x: TensorSpec;
  upstream: TensorSpec;
  expected: { output: TensorSpec; inputGrad: TensorSpec };
}

interface UNetCase {
  kind: 'unet';
  name: string;
  stateDict: Record<string, TensorSpec>;
  input: TensorSpec;
  upstream: TensorSpec;
  expected: { output: TensorSpec; grads: Record<string, TensorSpec> };
}

type Case = ConvTransposeCase | InterpolateCase | UNetCase;

// Imported rather than read from disk so that the suite also runs in a browser.
const cases = upsamplingFixture as Case[];

function ofKind<K extends Case['kind']>(kind: K): Extract<Case, { kind: K }>[] {
  return cases.filter((c): c is Extract<Case, { kind: K }> => c.kind === kind);
}

// Sums of dozens of float32 products: GPU backends accumulate in another order than PyTorch.
const TOLERANCE = 1e-4;

/** The case's layer, its parameters loaded from the fixture. */
function transposedLayer(c: ConvTransposeCase): ConvTranspose1d | ConvTranspose2d {
  const [inChannels, groupOutChannels, ...kernel] = c.weight.shape as number[];
  const outChannels = (groupOutChannels as number) * (c.options.groups ?? 1);
  const options = { ...c.options, bias: c.bias !== null };
  const layer =
    c.fn === 'convTranspose2d'
      ? new ConvTranspose2d(inChannels as number, outChannels, kernel as [number, number], options)
      : new ConvTranspose1d(inChannels as number, outChannels, kernel as [number], options as ConstructorParameters<typeof ConvTranspose1d>[3]);
  layer.loadStateDict(c.bias === null ? { weight: fromSpec(c.weight) } : { weight: fromSpec(c.weight), bias: fromSpec(c.bias) });
  return layer;
}

/** PyTorch's examples of a UNet: convolutions down, ConvTranspose2d up, a skip connection joined by cat, and an Upsample head. */
class UNetLike extends Module {
  down = new Conv2d(1, 4, 3, { padding: 1 });
  pool = new MaxPool2d(2);
  bottom = new Conv2d(4, 8, 3, { padding: 1 });
  up = new ConvTranspose2d(8, 4, 2, { stride: 2 });
  merge = new Conv2d(8, 2, 3, { padding: 1 });
  upsample = new Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false });

  forward(x: Input): Variable {
    const skip = F.relu(this.down.forward(x));
    const bottom = F.relu(this.bottom.forward(this.pool.forward(skip)));
    const merged = this.merge.forward(cat([this.up.forward(bottom), skip], 1));
    return this.upsample.forward(merged);
  }
}

function float64Leaf(shape: number[], seed: number): Variable {
  manualSeed(seed);
  return new Variable(randn(shape, { dtype: 'float64' }), { requiresGrad: true });
}

function parity(): void {
  describe('parity with PyTorch', () => {
    it('has transposed-convolution, interpolation and UNet fixtures', () => {
      expect(ofKind('convTranspose').length).toBeGreaterThan(10);
      expect(ofKind('interpolate').length).toBeGreaterThan(20);
      expect(ofKind('unet').length).toBe(1);
    });

    for (const c of ofKind('convTranspose')) {
      it(`${c.fn} forward and backward: ${c.name}`, async () => {
        const x = new Variable(fromSpec(c.x), { requiresGrad: true });
        const layer = transposedLayer(c);
        // Without outputSize the functional form runs too, and must agree with the layer.
        const functional = c.fn === 'convTranspose2d' ? F.convTranspose2d : F.convTranspose1d;
        const output = c.outputSize === null ? functional(x, layer.weight, layer.bias, c.options as never) : layer.forward(x, c.outputSize);
        if (c.outputSize === null) await expectSpec(layer.forward(x), c.expected.output, TOLERANCE);
        await expectSpec(output, c.expected.output, TOLERANCE);
        output.mul(fromSpec(c.upstream)).sum().backward();
        await expectSpec(x.grad, c.expected.grads.x as TensorSpec, TOLERANCE);
        await expectSpec(layer.weight.grad, c.expected.grads.weight as TensorSpec, TOLERANCE);
        if (c.bias !== null) await expectSpec(layer.bias?.grad ?? null, c.expected.grads.bias as TensorSpec, TOLERANCE);
      });
    }

    for (const c of ofKind('interpolate')) {
      it(`interpolate forward and backward: ${c.name}`, async () => {
        const x = new Variable(fromSpec(c.x), { requiresGrad: true });
        const output = F.interpolate(x, c.options);
        await expectSpec(output, c.expected.output, TOLERANCE);
        await expectSpec(new Upsample(c.options).forward(x), c.expected.output, TOLERANCE);
        output.mul(fromSpec(c.upstream)).sum().backward();
        await expectSpec(x.grad, c.expected.inputGrad, TOLERANCE);
      });
    }

    for (const c of ofKind('unet')) {
      it(`a UNet-like model has PyTorch's state-dict keys, output and gradients: ${c.name}`, async () => {
        const model = new UNetLike();
        const shapes = (entries: [string, { shape: readonly number[] }][]): [string, readonly number[]][] => entries.map(([name, value]) => [name, value.shape]);
        expect(shapes(Object.entries(model.stateDict()))).toEqual(shapes(Object.entries(c.stateDict)));
        const result = model.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([name, spec]) => [name, fromSpec(spec)])));
        expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
        const output = model.forward(fromSpec(c.input));
        await expectSpec(output, c.expected.output, TOLERANCE);
        output.mul(fromSpec(c.upstream)).sum().backward();
        const parameters = model.namedParameters();
        expect(parameters.map(([name]) => name)).toEqual(Object.keys(c.expected.grads));
        for (const [name, parameter] of parameters) await expectSpec(parameter.grad, c.expected.grads[name] as TensorSpec, TOLERANCE);
      });
    }
  });
}

function layerBehaviour(): void {
  describe('ConvTranspose1d, ConvTranspose2d and Upsample', () => {
    it("have PyTorch's parameter shapes, state-dict keys and printout", () => {
      const up = new ConvTranspose2d(4, 6, [3, 2], { groups: 2, stride: 2, outputPadding: 1 });
      expect(Object.entries(up.stateDict()).map(([name, value]) => [name, value.shape])).toEqual([
        ['weight', [4, 3, 3, 2]],
        ['bias', [6]],
      ]);
      expect(Object.entries(new ConvTranspose1d(3, 5, 4, { bias: false }).stateDict()).map(([name, value]) => [name, value.shape])).toEqual([['weight', [3, 5, 4]]]);
      expect(String(up)).toBe('ConvTranspose2d(4, 6, kernelSize=[3,2], stride=2, outputPadding=1, groups=2)');
      const upsample = new Sequential(new Upsample({ scaleFactor: 2 }), new Upsample({ size: [3, 4], mode: 'bilinear', alignCorners: true }));
      expect(Object.keys(upsample.stateDict())).toEqual([]);
      expect(String(upsample.children()[1])).toBe("Upsample(size=[3,4], mode='bilinear')");
    });

    it("draws PyTorch's default initialisation: both bounds 1/√(outChannels / groups · kH · kW)", async () => {
      manualSeed(0);
      const up = new ConvTranspose2d(64, 32, 3, { groups: 2 });
      const bound = 1 / Math.sqrt(16 * 9);
      expectUniform(await up.weight.data.data(), bound);
      expectUniform(await up.bias!.data.data(), bound);
    });

    it('says what is wrong with shapes and options', () => {
      const weight = ones([4, 3, 3, 3]);
      expect(() => F.convTranspose2d(ones([1, 2, 5, 5]), weight)).toThrow(/weight \[4, 3, 3, 3\] expects 4 input channels .* input \[1, 2, 5, 5\] has 2/);
      expect(() => F.convTranspose2d(ones([1, 4, 5, 5]), weight, ones([4]))).toThrow(/bias must have shape \[3\]/);
      expect(() => F.convTranspose2d(ones([1, 4, 5, 5]), weight, null, { stride: 2, outputPadding: 2 })).toThrow(/outputPadding must be smaller than either stride or dilation/);
      expect(() => F.convTranspose2d(ones([1, 4, 1, 1]), weight, null, { padding: 2 })).toThrow(/gives an empty output \[-1, -1\]/);
      expect(() => F.convTranspose2d(ones([1, 4, 5, 5]), weight, null, { padding: 'same' as never })).toThrow(/take no 'same'/);
      expect(() => new ConvTranspose1d(2, 2, 3, { outputPadding: 1 })).toThrow(/outputPadding must be smaller than either stride or dilation/);
      expect(() => new ConvTranspose2d(3, 4, 3, { groups: 2 })).toThrow(/groups must be a positive integer dividing inChannels \(3\)/);
      expect(() => new ConvTranspose2d(1, 1, 3, { stride: 2 }).forward(ones([1, 1, 3, 3]), [9, 7])).toThrow(/requested an output size of \[9, 7\], but valid sizes range from \[7, 7\] to \[8, 8\]/);
      expect(() => F.interpolate(ones([1, 1, 4, 4]), { size: 2, scaleFactor: 2 })).toThrow(/exactly one of size and scaleFactor/);
      expect(() => F.interpolate(ones([1, 1, 4, 4]), { size: 2, alignCorners: true })).toThrow(/alignCorners can only be set with the blending modes/);
      expect(() => F.interpolate(ones([1, 1, 4, 4]), { size: 2, mode: 'linear' })).toThrow(/mode 'linear' needs a 3-D input .*got \[1, 1, 4, 4\]/);
      expect(() => F.interpolate(ones([1, 4, 4]), { size: 2, mode: 'bilinear' })).toThrow(/mode 'bilinear' needs a 4-D input/);
      expect(() => F.interpolate(ones([1, 1, 4, 4]), { size: [2, 2, 2] })).toThrow(/size has 3 entries, but the input \[1, 1, 4, 4\] has 2 spatial dims/);
      expect(() => F.interpolate(ones([1, 1, 4, 4]), { scaleFactor: 0.2 })).toThrow(/output's \[0, 0\] must both be positive/);
      expect(() => new Upsample({ scaleFactor: 2, mode: 'nearest', alignCorners: false })).toThrow(/alignCorners can only be set/);
      expect(() => new Upsample({ size: 4, mode: 'bicubic' as never })).toThrow(/Upsample: mode must be one of nearest, linear, bilinear, got 'bicubic'/);
      expect(() => new Upsample({ scaleFactor: [2, -1] })).toThrow(/Upsample: scaleFactor must be positive and finite, got \[2,-1\]/);
    });

    it('computes unbatched transposed convolutions and picks the output size a layer is asked for', async () => {
      const x = tensor([[[1, 2], [3, 4]]]);
      // A 2×2 kernel of ones at stride 2 copies each input into its own 2×2 block.
      await expectValues(F.convTranspose2d(x, ones([1, 1, 2, 2]), null, { stride: 2 }), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], { shape: [1, 4, 4] });
      await expectValues(F.convTranspose1d(tensor([[1, 2, 3]]), ones([1, 2, 2])), [1, 3, 5, 3, 1, 3, 5, 3], { shape: [2, 4] });
      expect(new ConvTranspose2d(1, 2, 3, { stride: 2, padding: 1 }).forward(ones([2, 1, 4, 4]), [2, 2, 8, 8]).shape).toEqual([2, 2, 8, 8]);
      await expectValues(F.interpolate(tensor([[[1, 2, 3]]]), { scaleFactor: 2 }), [1, 1, 2, 2, 3, 3], { shape: [1, 1, 6] });
    });
  });
}

function gradchecks(float64: boolean): void {
  describe('gradients against finite differences (float64)', () => {
    it.skipIf(!float64)('convTranspose2d: input, weight and bias, with stride, padding, outputPadding, dilation and groups (needs float64)', async () => {
      const inputs = [float64Leaf([2, 4, 3, 4], 1), float64Leaf([4, 3, 3, 2], 2), float64Leaf([6], 3)];
      const up = (x: Variable, w: Variable, b: Variable) => F.convTranspose2d(x, w, b, { stride: [3, 2], padding: [2, 1], outputPadding: 1, dilation: [2, 1], groups: 2 });
      expect(await gradcheck(up, inputs)).toBe(true);
    });

    it.skipIf(!float64)('convTranspose1d and ConvTranspose2d with an outputSize (needs float64)', async () => {
      const up1d = (x: Variable, w: Variable, b: Variable) => F.convTranspose1d(x, w, b, { stride: 2, padding: 1, outputPadding: 1, dilation: 2 });
      expect(await gradcheck(up1d, [float64Leaf([2, 3, 5], 4), float64Leaf([3, 2, 3], 5), float64Leaf([2], 6)])).toBe(true);
      const layer = new ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1, dtype: 'float64' });
      expect(await gradcheck((x) => layer.forward(x, [6, 5]), [float64Leaf([1, 2, 3, 3], 7)])).toBe(true);
    });

    it.skipIf(!float64)('interpolate: nearest, bilinear with alignCorners both ways, and linear (needs float64)', async () => {
      const resizings: InterpolateOptions[] = [
        { size: [5, 7] },
        { scaleFactor: [0.6, 1.5] },
        { size: [6, 3], mode: 'bilinear' },
        { scaleFactor: 1.7, mode: 'bilinear', alignCorners: true },
      ];
      for (const options of resizings) expect(await gradcheck((x) => F.interpolate(x, options), [float64Leaf([2, 2, 4, 5], 8)]), JSON.stringify(options)).toBe(true);
      expect(await gradcheck((x) => F.interpolate(x, { scaleFactor: 2.5, mode: 'linear' }), [float64Leaf([2, 3, 4], 9)])).toBe(true);
    });
  });
}

export function upsamplingSuite(float64: boolean): void {
  describe('transposed convolution and upsampling', () => {
    parity();
    layerBehaviour();
    gradchecks(float64);
  });
}
