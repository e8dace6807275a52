import { fileURLToPath } from 'node:url';
import { gradcheck, Variable } from '@kindling/autograd';
import { isTensor, manualSeed, randn, tensor, type Tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import {
  functional as F,
  GELU,
  LayerNorm,
  load,
  MultiheadAttention,
  RMSNorm,
  Transformer,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
  type DecoderLayerForwardOptions,
  type EncoderForwardOptions,
  type EncoderLayerForwardOptions,
  type Module,
  type MultiheadAttentionForwardOptions,
  type ScaledDotProductAttentionOptions,
  type TransformerForwardOptions,
  type TransformerLayerOptions,
} from '../../src/index.js';
import attentionFixture from '../fixtures/attention.json' with { type: 'json' };
import { expectSpec, fromSpec, type TensorSpec } from './harness.js';
import { attentionStructureSuite } from './attention-structure.js';

/*
 * Scaled dot-product attention, MultiheadAttention, the Transformer layers, RMSNorm, LayerNorm
 * without bias and GELU('tanh') against PyTorch (scripts/fixtures/generate_attention_fixtures.py):
 * outputs and the gradients of every input and parameter; PyTorch-written checkpoints loaded by
 * key; float64 finite-difference checks of SDPA and MultiheadAttention.
 */

type OptionValue = TensorSpec | number | boolean | string | null;

interface SdpaCase {
  kind: 'sdpa';
  name: string;
  inputs: TensorSpec[];
  forwardOptions: Record<string, OptionValue>;
  upstream: TensorSpec;
  expected: { output: TensorSpec; inputGrads: TensorSpec[]; maskGrad: TensorSpec | null };
}

interface ModuleCase {
  kind: 'module';
  name: string;
  module: string;
  args: unknown[];
  options: Record<string, unknown>;
  stack: { numLayers: number; norm: boolean } | null;
  stateDict: Record<string, TensorSpec>;
  shared: boolean;
  inputs: TensorSpec[];
  forwardOptions: Record<string, OptionValue>;
  upstream: [TensorSpec, TensorSpec | null];
  expected: { output: TensorSpec; weights: TensorSpec | null; inputGrads: (TensorSpec | null)[]; grads: Record<string, TensorSpec> };
}

interface SubsequentMaskCase {
  kind: 'subsequentMask';
  name: string;
  size: number;
  expected: TensorSpec;
}

interface CheckpointCase {
  kind: 'checkpoint';
  name: string;
  file: string;
  module: string;
  args: unknown[];
  options: Record<string, unknown>;
  keys: string[];
  inputs: TensorSpec[];
  forwardOptions: Record<string, OptionValue>;
  expected: TensorSpec;
}

const cases = attentionFixture as unknown as { kind: string }[];
const sdpaCases = cases.filter((c): c is SdpaCase => c.kind === 'sdpa');
const moduleCases = cases.filter((c): c is ModuleCase => c.kind === 'module');
const maskCases = cases.filter((c): c is SubsequentMaskCase => c.kind === 'subsequentMask');
const checkpointCases = cases.filter((c): c is CheckpointCase => c.kind === 'checkpoint');
// Sums of float32 products in another order than PyTorch's, through softmax and LayerNorm.
const TOLERANCE = 1e-4;

function isSpec(value: OptionValue): value is TensorSpec {
  return typeof value === 'object' && value !== null && 'shape' in value;
}

/** The fixture's options with tensors in place of their specs. */
function optionsOf(record: Record<string, OptionValue>): Record<string, Tensor | number | boolean | string | null> {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name, isSpec(value) ? fromSpec(value) : value]));
}

/** A module and how to call it: the output and, for MultiheadAttention, the weights. */
interface Built {
  module: Module;
  run(inputs: Variable[], options: Record<string, unknown>): [Variable, Variable | null];
}

const num = (value: unknown): number => value as number;

/** The fixture's module from Kindling's constructor arguments, as the generator built PyTorch's. */
function build(name: string, args: unknown[], options: Record<string, unknown>, stack: ModuleCase['stack']): Built {
  const [first, second] = args;
  const layerOptions = options as TransformerLayerOptions;
  switch (name) {
    case 'MultiheadAttention': {
      const module = new MultiheadAttention(num(first), num(second), options);
      return { module, run: ([q, k, v], o) => module.forward(q as Variable, (k ?? q) as Variable, (v ?? q) as Variable, o as MultiheadAttentionForwardOptions) };
    }
    case 'TransformerEncoderLayer': {
      const module = new TransformerEncoderLayer(num(first), num(second), layerOptions);
      return { module, run: ([src], o) => [module.forward(src as Variable, o as EncoderLayerForwardOptions), null] };
    }
    case 'TransformerDecoderLayer': {
      const module = new TransformerDecoderLayer(num(first), num(second), layerOptions);
      return { module, run: ([tgt, memory], o) => [module.forward(tgt as Variable, memory as Variable, o as DecoderLayerForwardOptions), null] };
    }
    case 'TransformerEncoder': {
      const { numLayers = 1, norm = false } = stack ?? {};
      const finalNorm = norm ? new LayerNorm(num(first), { eps: layerOptions.layerNormEps }) : null;
      const module = new TransformerEncoder(new TransformerEncoderLayer(num(first), num(second), layerOptions), numLayers, { norm: finalNorm });
      return { module, run: ([src], o) => [module.forward(src as Variable, o as EncoderForwardOptions), null] };
    }
    case 'TransformerDecoder': {
      const { numLayers = 1, norm = false } = stack ?? {};
      const finalNorm = norm ? new LayerNorm(num(first), { eps: layerOptions.layerNormEps }) : null;
      const module = new TransformerDecoder(new TransformerDecoderLayer(num(first), num(second), layerOptions), numLayers, { norm: finalNorm });
      return { module, run: ([tgt, memory], o) => [module.forward(tgt as Variable, memory as Variable, o as DecoderLayerForwardOptions), null] };
    }
    case 'Transformer': {
      const module = new Transformer(options);
      return { module, run: ([src, tgt], o) => [module.forward(src as Variable, tgt as Variable, o as TransformerForwardOptions), null] };
    }
    case 'RMSNorm': {
      const module = new RMSNorm(first as number | number[], options);
      return { module, run: ([x]) => [module.forward(x as Variable), null] };
    }
    case 'LayerNorm': {
      const module = new LayerNorm(first as number | number[], options);
      return { module, run: ([x]) => [module.forward(x as Variable), null] };
    }
    case 'GELU': {
      const module = new GELU(options);
      return { module, run: ([x]) => [module.forward(x as Variable), null] };
    }
    default:
      throw new Error(`no factory for the fixture's module '${name}'`);
  }
}

function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

function float64Leaf(shape: readonly number[], seed: number, scale = 1): Variable {
  manualSeed(seed);
  return new Variable(randn(shape, { dtype: 'float64' }).mul(scale), { requiresGrad: true });
}

/** Replaces the parameter at a dotted path with `value`, so that gradcheck's perturbed copies reach forward. */
function substituteParameter(module: Module, path: string, value: Variable): void {
  const parts = path.split('.');
  const name = parts.pop() as string;
  const owner = parts.reduce<object>((node, part) => Reflect.get(node, part) as object, module);
  Reflect.set(owner, name, value);
}

/**
 * @param float64 - whether the backend stores float64 (for the finite-difference checks).
 * @param fileSystem - whether node:fs works here, to read the PyTorch-written checkpoints.
 */
export function attentionSuite(float64: boolean, fileSystem: boolean): void {
  describe('attention and Transformer: parity with PyTorch', () => {
    it('has the fixture cases', () => {
      expect(sdpaCases.length).toBeGreaterThanOrEqual(8);
      expect(moduleCases.length).toBeGreaterThanOrEqual(25);
      expect(checkpointCases.length).toBe(2);
    });

    for (const c of sdpaCases) {
      it(`scaledDotProductAttention: ${c.name}`, async () => {
        const [query, key, value] = c.inputs.map((spec) => new Variable(fromSpec(spec), { requiresGrad: true })) as [Variable, Variable, Variable];
        const { attnMask: mask, ...options } = optionsOf(c.forwardOptions);
        // A floating mask is a Variable here, so that its gradient can be compared with PyTorch's.
        const attnMask = isTensor(mask) ? (mask.dtype === 'bool' ? mask : new Variable(mask, { requiresGrad: true })) : null;
        const output = F.scaledDotProductAttention(query, key, value, { ...(options as ScaledDotProductAttentionOptions), attnMask });
        await expectSpec(output, c.expected.output, TOLERANCE);
        output.mul(fromSpec(c.upstream)).sum().backward();
        for (const [i, input] of [query, key, value].entries()) await expectSpec(input.grad, c.expected.inputGrads[i] as TensorSpec, TOLERANCE);
        if (c.expected.maskGrad !== null) await expectSpec(attnMask instanceof Variable ? attnMask.grad : null, c.expected.maskGrad, TOLERANCE);
      });
    }

    for (const c of moduleCases) {
      it(`${c.module}: ${c.name}`, async () => {
        const { module, run } = build(c.module, c.args, c.options, c.stack);
        expect(Object.keys(module.stateDict())).toEqual(Object.keys(c.stateDict));
        module.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([name, spec]) => [name, fromSpec(spec)])));
        const inputs = c.inputs.map((spec) => new Variable(fromSpec(spec), { requiresGrad: true }));
        const [output, weights] = run(c.shared ? [inputs[0], inputs[0], inputs[0]] as Variable[] : inputs, optionsOf(c.forwardOptions));
        await expectSpec(output, c.expected.output, TOLERANCE);
        if (c.expected.weights === null) expect(weights).toBeNull();
        else await expectSpec(weights, c.expected.weights, TOLERANCE);
        let loss = output.mul(fromSpec(c.upstream[0])).sum();
        if (weights !== null && c.upstream[1] !== null) loss = loss.add(weights.mul(fromSpec(c.upstream[1])).sum());
        loss.backward();
        for (const [i, input] of inputs.entries()) await expectSpec(input.grad, c.expected.inputGrads[i] as TensorSpec, TOLERANCE);
        const parameters = new Map(module.namedParameters());
        expect([...parameters.keys()].filter((name) => parameters.get(name)?.grad !== null)).toEqual(Object.keys(c.expected.grads));
        for (const [name, spec] of Object.entries(c.expected.grads)) await expectSpec(parameters.get(name)?.grad ?? null, spec, TOLERANCE);
      });
    }

    for (const c of maskCases) {
      it(`Transformer.${c.name}: 0 on and below the diagonal, -Infinity above`, async () => {
        await expectSpec(Transformer.generateSquareSubsequentMask(c.size), c.expected, 0);
      });
    }

    for (const c of checkpointCases) {
      it.skipIf(!fileSystem)(`loads a checkpoint PyTorch wrote: ${c.name} (needs a file system)`, async () => {
        const { module, run } = build(c.module, c.args, c.options, null);
        expect(Object.keys(module.stateDict())).toEqual(c.keys);
        module.loadStateDict(await load(fixturePath(c.file)));
        module.eval();
        const [output] = run(c.inputs.map((spec) => new Variable(fromSpec(spec))), optionsOf(c.forwardOptions));
        await expectSpec(output, c.expected, TOLERANCE);
      });
    }
  });

  describe('attention gradients by finite differences (float64)', () => {
    it.skipIf(!float64)('scaledDotProductAttention with a bool mask, an additive mask and isCausal', async () => {
      const [query, key, value] = [float64Leaf([2, 3, 4], 21), float64Leaf([2, 5, 4], 22), float64Leaf([2, 5, 3], 23)];
      const keep = tensor([[true, false, true, true, false], [false, true, false, false, false], [true, true, true, true, true]]);
      expect(await gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: keep }), [query, key, value])).toBe(true);
      const additive = float64Leaf([2, 1, 5], 24);
      expect(await gradcheck((q, k, v, m) => F.scaledDotProductAttention(q, k, v, { attnMask: m, scale: 0.7 }), [query, key, value, additive])).toBe(true);
      expect(await gradcheck((q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }), [query, key, value])).toBe(true);
    });

    it.skipIf(!float64)('MultiheadAttention: inputs and every parameter, with addBiasKv, masks and per-head weights', async () => {
      manualSeed(25);
      const attention = new MultiheadAttention(4, 2, { addBiasKv: true, dtype: 'float64' });
      const named = attention.namedParameters();
      const parameters = named.map(([, p]) => new Variable(p.data.add(float64Leaf(p.shape, 26, 0.3).data), { requiresGrad: true }));
      const [query, key, value] = [float64Leaf([2, 2, 4], 27), float64Leaf([3, 2, 4], 28), float64Leaf([3, 2, 4], 29)];
      const keyPaddingMask = tensor([[false, true, false], [false, false, false]]);
      const attnMask = tensor([[false, false, true], [true, false, false]]);
      const forward = (mode: 'output' | 'weights') => (q: Variable, k: Variable, v: Variable, ...weights: Variable[]): Variable => {
        named.forEach(([path], i) => substituteParameter(attention, path, weights[i] as Variable));
        const [output, perHead] = attention.forward(q, k, v, { keyPaddingMask, attnMask, averageAttnWeights: false });
        return mode === 'output' ? output : (perHead as Variable);
      };
      expect(await gradcheck(forward('output'), [query, key, value, ...parameters])).toBe(true);
      expect(await gradcheck(forward('weights'), [query, key, value, ...parameters])).toBe(true);
    });
  });

  attentionStructureSuite();
}
