import { readFileSync } from 'node:fs';
import { load } from '@kindling/nn';
import { fromValues, manualSeed, tensor, type Tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { GPT, type GPTConfig } from '../src/index.js';

/** A tensor as the fixture scripts write it. */
interface Spec {
  shape: number[];
  dtype: string;
  values: number[];
}
interface TorchCase {
  config: { block_size: number; vocab_size: number; n_layer: number; n_head: number; n_embd: number; dropout: number; bias: boolean };
  keys: string[];
  idx: Spec;
  targets: Spec;
  logits: Spec;
  lastLogits: Spec;
  loss: number;
  grads: Record<string, Spec>;
}

const fixtures = new URL('./fixtures/', import.meta.url);
const torchCases = JSON.parse(readFileSync(new URL('gpt-torch.json', fixtures), 'utf8')) as Record<string, TorchCase>;

function configOf({ config }: TorchCase): GPTConfig {
  return { blockSize: config.block_size, vocabSize: config.vocab_size, nLayer: config.n_layer, nHead: config.n_head, nEmbd: config.n_embd, dropout: config.dropout, bias: config.bias };
}

function ids(spec: Spec): Tensor {
  return fromValues(Int32Array.from(spec.values), spec.shape);
}

function expectClose(actual: Tensor, expected: Spec, what: string): void {
  expect(actual.shape, what).toEqual(expected.shape);
  const values = actual.dataSync();
  const worst = expected.values.reduce((max, value, i) => Math.max(max, Math.abs((values[i] as number) - value)), 0);
  expect(worst, `${what}: largest difference from PyTorch`).toBeLessThan(1e-4);
}

describe("GPT against nanoGPT's (bench/pytorch_gpt.py)", () => {
  for (const [name, torchCase] of Object.entries(torchCases)) {
    it(`loads nanoGPT's checkpoint (${name}) under its keys and gives its logits, loss and gradients`, async () => {
      const model = new GPT(configOf(torchCase));
      expect(Object.keys(model.stateDict())).toEqual(torchCase.keys);
      model.loadStateDict(await load(new URL(`gpt-torch-${name}.safetensors`, fixtures).pathname));
      const [logits, loss] = model.forward(ids(torchCase.idx), ids(torchCase.targets));
      expectClose(logits.data, torchCase.logits, 'logits');
      expect(loss?.itemSync()).toBeCloseTo(torchCase.loss, 5);
      loss?.backward();
      const named = new Map(model.namedParameters());
      expect([...named.keys()].sort()).toEqual(Object.keys(torchCase.grads).sort());
      for (const [key, grad] of Object.entries(torchCase.grads)) expectClose(named.get(key)?.grad as Tensor, grad, `grad of ${key}`);
      const [last, none] = model.forward(ids(torchCase.idx));
      expect(none).toBeNull();
      expectClose(last.data, torchCase.lastLogits, 'last-position logits');
    });
  }

  it("writes a checkpoint that nanoGPT's GPT loads with strict=True and the same logits", async () => {
    // gpt-kindling.* come from scripts/fixtures/write-kindling-gpt.mjs; generate_gpt_fixtures.py
    // loaded the checkpoint into nanoGPT's GPT and compared its logits with these.
    const expected = JSON.parse(readFileSync(new URL('gpt-kindling.json', fixtures), 'utf8')) as { config: TorchCase['config']; idx: Spec; logits: Spec };
    const model = new GPT(configOf({ config: expected.config } as TorchCase)).eval();
    model.loadStateDict(await load(new URL('gpt-kindling.safetensors', fixtures).pathname));
    const idx = ids(expected.idx);
    expectClose(model.forward(idx, tensor(0, { dtype: 'int32' }).expand(idx.shape).contiguous())[0].data, expected.logits, 'logits');
  });
});

describe('GPT', () => {
  const tiny = { blockSize: 8, vocabSize: 11, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true };

  it("ties the output layer to the token embedding and initialises as nanoGPT", () => {
    manualSeed(0);
    const model = new GPT({ ...tiny, nLayer: 4, nEmbd: 64, nHead: 4, vocabSize: 500 });
    expect(model.lm_head.weight).toBe(model.transformer.wte.weight);
    const std = (t: Tensor) => Math.sqrt(t.var().itemSync());
    expect(std(model.lm_head.weight.data)).toBeCloseTo(0.02, 2);
    expect(std(model.transformer.h.at(0)?.attn.c_proj.weight.data as Tensor)).toBeCloseTo(0.02 / Math.sqrt(8), 2);
    expect(model.transformer.h.at(0)?.attn.c_attn.bias?.data.abs().max().itemSync()).toBe(0);
    expect(model.numParameters()).toBe(model.numParameters(false) - 8 * 64);
  });

  it('generates deterministically for a seed, cropping the context to the block size', () => {
    const sample = (seed: number) => {
      manualSeed(0);
      const model = new GPT(tiny).eval();
      manualSeed(seed);
      return model.generate(tensor([[1, 2, 3]], { dtype: 'int32' }), 10, { temperature: 0.8, topK: 5 }).tolistSync();
    };
    const first = sample(1) as number[][];
    expect(first[0]?.length).toBe(13);
    expect(first[0]?.slice(0, 3)).toEqual([1, 2, 3]);
    expect(sample(1)).toEqual(first);
  });

  it('refuses a sequence longer than the block size and a width that the heads do not divide', () => {
    const model = new GPT(tiny);
    expect(() => model.forward(fromValues(new Int32Array(9), [1, 9]))).toThrow('GPT.forward: cannot read a sequence of 9 tokens, the block size is 8');
    expect(() => new GPT({ ...tiny, nEmbd: 15 })).toThrow('GPT: nEmbd 15 must be a multiple of nHead 2');
  });
});
