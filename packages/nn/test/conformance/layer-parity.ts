import { gradcheck, Variable } from '@kindling/autograd';
import { manualSeed, randn, tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  BatchNorm2d,
  ELU,
  Embedding,
  functional as F,
  GELU,
  Identity,
  LayerNorm,
  LeakyReLU,
  LogSoftmax,
  Parameter,
  SiLU,
  Softmax,
  Unflatten,
  utils,
  type Module,
} from '../../src/index.js';
import { expectSpec, fromSpec, readFixture, type TensorSpec } from './harness.js';

/*
 * Normalisation, Embedding, the activations and gradient clipping against PyTorch, on the "layer"
 * and "clip" cases of scripts/fixtures/nn_layer_cases.py, plus float64 finite-difference checks of
 * the functions' gradients.
 */

interface LayerStep {
  training: boolean;
  input: TensorSpec;
  upstream: TensorSpec;
  output: TensorSpec;
  inputGrad: TensorSpec | null;
  grads: Record<string, TensorSpec>;
  stateDict: Record<string, TensorSpec>;
}

interface LayerCase {
  kind: 'layer';
  name: string;
  layer: string;
  args: unknown[];
  options: Record<string, unknown>;
  stateDict: Record<string, TensorSpec>;
  steps: LayerStep[];
}

interface ClipCase {
  kind: 'clip';
  name: string;
  fn: 'clipGradNorm' | 'clipGradValue';
  args: (number | 'inf')[];
  grads: TensorSpec[];
  expected: { norm: TensorSpec | null; grads: TensorSpec[] };
}

const cases = readFixture<{ kind: string }[]>('nn.json');
const layerCases = cases.filter((c): c is LayerCase => c.kind === 'layer');
const clipCases = cases.filter((c): c is ClipCase => c.kind === 'clip');
// Means and variances of float32 sums: GPU backends accumulate in another order than PyTorch.
const TOLERANCE = 1e-4;

type Factory = (args: unknown[], options: Record<string, unknown>) => Module & { forward(input: Variable): Variable };
const num = (value: unknown): number => value as number;
const FACTORIES: Record<string, Factory> = {
  BatchNorm1d: ([n], options) => new BatchNorm1d(num(n), options),
  BatchNorm2d: ([n], options) => new BatchNorm2d(num(n), options),
  LayerNorm: ([shape], options) => new LayerNorm(shape as number | number[], options),
  Embedding: ([n, d], options) => {
    const layer = new Embedding(num(n), num(d), options);
    return Object.assign(layer, { forward: (x: Variable) => Embedding.prototype.forward.call(layer, x.data) });
  },
  GELU: ([approximate]) => new GELU(approximate as 'none' | 'tanh' | undefined),
  LeakyReLU: ([slope]) => new LeakyReLU(slope as number | undefined),
  ELU: ([alpha]) => new ELU(alpha as number | undefined),
  SiLU: () => new SiLU(),
  Softmax: ([dim]) => new Softmax(num(dim)),
  LogSoftmax: ([dim]) => new LogSoftmax(num(dim)),
  Identity: () => new Identity(),
  Unflatten: ([dim, sizes]) => new Unflatten(num(dim), sizes as number[]),
};

function specs(record: Record<string, TensorSpec>): Record<string, ReturnType<typeof fromSpec>> {
  return Object.fromEntries(Object.entries(record).map(([name, spec]) => [name, fromSpec(spec)]));
}

function float64Leaf(shape: number[], seed: number): Variable {
  manualSeed(seed);
  return new Variable(randn(shape, { dtype: 'float64' }), { requiresGrad: true });
}

export function layerParitySuite(float64: boolean): void {
  describe('normalisation, Embedding, activations and clipping: parity with PyTorch', () => {
    it('has layer and clip fixtures', () => {
      expect(layerCases.length).toBeGreaterThan(20);
      expect(clipCases.length).toBeGreaterThan(3);
    });

    for (const c of layerCases) {
      it(`${c.name}: outputs, gradients and state after each step`, async () => {
        const factory = FACTORIES[c.layer];
        expect(factory, c.layer).toBeDefined();
        const layer = (factory as Factory)(c.args, c.options);
        layer.loadStateDict(specs(c.stateDict));
        for (const [i, step] of c.steps.entries()) {
          layer.train(step.training);
          layer.zeroGrad();
          const input = new Variable(fromSpec(step.input), { requiresGrad: step.inputGrad !== null });
          const output = layer.forward(input);
          await expectSpec(output, step.output, TOLERANCE);
          output.mul(fromSpec(step.upstream)).sum().backward();
          if (step.inputGrad !== null) await expectSpec(input.grad, step.inputGrad, TOLERANCE);
          const parameters = new Map(layer.namedParameters());
          expect([...parameters.keys()].filter((name) => parameters.get(name)?.grad !== null), `step ${i}`).toEqual(Object.keys(step.grads));
          for (const [name, spec] of Object.entries(step.grads)) await expectSpec(parameters.get(name)?.grad ?? null, spec, TOLERANCE);
          const state = layer.stateDict();
          expect(Object.keys(state), `step ${i}`).toEqual(Object.keys(step.stateDict));
          for (const [name, spec] of Object.entries(step.stateDict)) await expectSpec(state[name] ?? null, spec, TOLERANCE);
        }
      });
    }

    for (const c of clipCases) {
      it(`${c.fn}: ${c.name}`, async () => {
        const parameters = c.grads.map((spec) => {
          const parameter = new Parameter(fromSpec(spec).mul(0));
          parameter.grad = fromSpec(spec);
          return parameter;
        });
        const [first, second] = c.args.map((a) => (a === 'inf' ? Infinity : a));
        if (c.fn === 'clipGradNorm') await expectSpec(utils.clipGradNorm(parameters, first as number, second), c.expected.norm as TensorSpec, TOLERANCE);
        else expect(utils.clipGradValue(parameters, first as number)).toBeUndefined();
        for (const [i, parameter] of parameters.entries()) await expectSpec(parameter.grad, c.expected.grads[i] as TensorSpec, TOLERANCE);
      });
    }
  });

  describe('normalisation and activation gradients by finite differences (float64)', () => {
    it.skipIf(!float64)('batchNorm in training mode, layerNorm and the activations', async () => {
      const x = float64Leaf([4, 3, 2], 11);
      const weight = float64Leaf([3], 12);
      const bias = float64Leaf([3], 13);
      expect(await gradcheck((v, w, b) => F.batchNorm(v, null, null, { weight: w, bias: b, training: true }), [x, weight, bias])).toBe(true);
      const lnWeight = float64Leaf([3, 2], 14);
      expect(await gradcheck((v, w) => F.layerNorm(v, [3, 2], { weight: w }), [x, lnWeight])).toBe(true);
      for (const fn of [(v: Variable) => F.gelu(v), (v: Variable) => F.gelu(v, { approximate: 'tanh' }), F.silu, F.erf, (v: Variable) => F.leakyRelu(v, 0.3), (v: Variable) => F.elu(v, 0.7)]) {
        expect(await gradcheck(fn, [float64Leaf([2, 5], 15)])).toBe(true);
      }
    });

    it('erf: torch.erf\'s values to float32 precision, odd around 0', async () => {
      // torch.erf of these points, in float64.
      const expected = [-0.9953222650189527, -0.8427007929497149, -0.2227025892104785, 0, 0.5204998778130465, 0.9999779095030014];
      const values = await F.erf(tensor([-2, -1, -0.2, 0, 0.5, 3])).data.data();
      expected.forEach((e, i) => expect(values[i]).toBeCloseTo(e, 6));
    });

    it.skipIf(!float64)('embedding: the weight gradient, repeated indices summed', async () => {
      // Without paddingIdx: the padding row's zero gradient is by design not the finite difference (the fixtures check it).
      const indices = tensor([[0, 3], [1, 3], [3, 2]], { dtype: 'int32' });
      expect(await gradcheck((w) => F.embedding(indices, w), [float64Leaf([4, 2], 16)])).toBe(true);
    });
  });
}
