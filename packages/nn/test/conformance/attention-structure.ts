import { Variable } from '@kindling/autograd';
import { manualSeed, randint, randn, tensor, type Tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import {
  deserialize,
  Embedding,
  functional as F,
  GELU,
  LayerNorm,
  Linear,
  Module,
  MultiheadAttention,
  RMSNorm,
  serialize,
  Transformer,
  TransformerEncoder,
  TransformerEncoderLayer,
} from '../../src/index.js';

/*
 * What the PyTorch fixtures do not show: initialisation, the keys of configurations PyTorch 1.13
 * cannot build, the copies TransformerEncoder makes, errors that name shapes, and weight tying.
 */

async function valuesOf(t: Tensor | Variable): Promise<number[]> {
  return Array.from(await (t instanceof Variable ? t.data : t).data(), Number);
}

/** A language model's embedding and output layer sharing one matrix (GPT-2's `lm_head.weight = wte.weight`). */
class TiedLanguageModel extends Module {
  wte = new Embedding(10, 4);
  lmHead = new Linear(4, 10, { bias: false });

  constructor() {
    super();
    this.lmHead.weight = this.wte.weight;
  }

  forward(tokens: Tensor): Variable {
    return this.lmHead.forward(this.wte.forward(tokens));
  }
}

export function attentionStructureSuite(): void {
  describe('attention and Transformer: initialisation, keys and errors', () => {
    it("MultiheadAttention starts as PyTorch's: Xavier-uniform projections, zero biases", async () => {
      manualSeed(0);
      const attention = new MultiheadAttention(16, 4);
      const bound = Math.sqrt(6 / (16 + 48));
      const weights = await valuesOf(attention.in_proj_weight as Variable);
      expect(Math.max(...weights.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...weights.map(Math.abs))).toBeGreaterThan(bound * 0.9);
      expect(await valuesOf(attention.in_proj_bias as Variable)).toEqual(Array<number>(48).fill(0));
      expect(await valuesOf(attention.out_proj.bias as Variable)).toEqual(Array<number>(16).fill(0));
      const withBiasKv = new MultiheadAttention(8, 2, { addBiasKv: true, kdim: 3, bias: false });
      expect(Object.keys(withBiasKv.stateDict())).toEqual(['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'bias_k', 'bias_v', 'out_proj.weight']);
      expect(withBiasKv.k_proj_weight?.shape).toEqual([8, 3]);
    });

    it('TransformerEncoder holds deep copies: equal values, separate Parameters', async () => {
      const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
      const encoder = new TransformerEncoder(layer, 3);
      const [first, second] = [encoder.layers.at(0), encoder.layers.at(1)];
      expect(first.linear1.weight).not.toBe(second.linear1.weight);
      expect(first.linear1.weight).not.toBe(layer.linear1.weight);
      expect(await valuesOf(second.linear1.weight)).toEqual(await valuesOf(layer.linear1.weight));
      expect(encoder.parameters().length).toBe(3 * layer.parameters().length);
      expect(Object.keys(encoder.stateDict())[0]).toBe('layers.0.self_attn.in_proj_weight');
    });

    it('bias: false leaves every bias out, LayerNorms included (PyTorch 2.1)', () => {
      const model = new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16, bias: false });
      const keys = Object.keys(model.stateDict());
      expect(keys.filter((key) => key.endsWith('bias'))).toEqual([]);
      expect(keys).toContain('encoder.norm.weight');
      expect(keys).toContain('decoder.layers.0.norm3.weight');
      expect(Object.keys(new LayerNorm(4, { bias: false }).stateDict())).toEqual(['weight']);
      expect(Object.keys(new RMSNorm(4).stateDict())).toEqual(['weight']);
      expect(new GELU({ approximate: 'tanh' }).approximate).toBe('tanh');
    });

    it('errors name the shapes, the dims and what to do', () => {
      expect(() => new MultiheadAttention(10, 3)).toThrow(/embedDim \(10\) must be divisible by numHeads \(3\)/);
      const x = randn(3, 2, 8);
      expect(() => F.scaledDotProductAttention(x, x, x, { isCausal: true, attnMask: tensor([[true]]) })).toThrow(/either isCausal or attnMask, not both/);
      expect(() => F.scaledDotProductAttention(randn(2, 4), randn(3, 5), randn(3, 5))).toThrow(/query \[\.\.\., L, E\] and key \[\.\.\., S, E\] with the same E, got \[2, 4\] and \[3, 5\]/);
      expect(() => F.scaledDotProductAttention(x, x, x, { attnMask: tensor([[1]], { dtype: 'int32' }) })).toThrow(/attnMask must be bool .* or floating/);
      const attention = new MultiheadAttention(8, 2);
      expect(() => attention.forward(x, x, x, { isCausal: true })).toThrow(/isCausal .* needs attnMask .*generateSquareSubsequentMask/);
      expect(() => attention.forward(x, x, x, { attnMask: randn(3, 2) })).toThrow(/attnMask must be \[L, S\] = \[3, 3\] or \[N·numHeads, L, S\] = \[4, 3, 3\], got \[3, 2\]/);
      expect(() => attention.forward(x, x, x, { keyPaddingMask: tensor([[true, false]]) })).toThrow(/keyPaddingMask must be \[N, S\] = \[2, 3\] .* got \[1, 2\]/);
      expect(() => attention.forward(x, randn(3, 2, 5), x)).toThrow(/kdim=8 .* got query \[3, 2, 8\], key \[3, 2, 5\]/);
      expect(() => new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1 }).forward(randn(3, 2, 8), randn(4, 3, 8))).toThrow(/same rank and batch size \(dim 1\)/);
      expect(() => new TransformerEncoderLayer(8, 2, { activation: 'swish' as 'relu' })).toThrow(/activation must be 'relu', 'gelu' or a function, got swish/);
    });
  });

  describe('weight tying: one Parameter held by two modules', () => {
    it('is one entry in parameters(), both keys in the state dict (as PyTorch), and gets both gradients', async () => {
      manualSeed(3);
      const model = new TiedLanguageModel();
      expect(model.parameters()).toEqual([model.wte.weight]);
      expect(model.namedParameters().map(([name]) => name)).toEqual(['wte.weight']);
      const state = model.stateDict();
      expect(Object.keys(state)).toEqual(['wte.weight', 'lmHead.weight']);
      expect(state['lmHead.weight']).toBe(state['wte.weight']);

      const tokens = randint(0, 10, [2, 3]);
      model.forward(tokens).sum().backward();
      const tied = await valuesOf(model.wte.weight.grad as Tensor);
      // The same computation with two separate copies: the tied gradient is the sum of theirs.
      const embedding = new Variable(model.wte.weight.data.clone(), { requiresGrad: true });
      const head = new Variable(model.wte.weight.data.clone(), { requiresGrad: true });
      F.linear(F.embedding(tokens, embedding), head).sum().backward();
      const headGrad = await valuesOf(head.grad as Tensor);
      const summed = (await valuesOf(embedding.grad as Tensor)).map((g, i) => g + (headGrad[i] as number));
      tied.forEach((g, i) => expect(g).toBeCloseTo(summed[i] as number, 5));
    });

    it('round-trips through safetensors and stays tied', async () => {
      const source = new TiedLanguageModel();
      const target = new TiedLanguageModel();
      target.loadStateDict(deserialize(await serialize(source.stateDict())).tensors);
      expect(target.lmHead.weight).toBe(target.wte.weight);
      expect(await valuesOf(target.lmHead.weight)).toEqual(await valuesOf(source.wte.weight));
    });
  });
}
