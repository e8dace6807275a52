import { CharTokenizer } from '@kindling/data-text/browser';
import { tinyShakespeare } from '@kindling/data-text';
import { GPT } from '@kindling/models';
import { serialize } from '@kindling/nn';
import { fullLike, setBackend, zeros, type Tensor } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { GPT_METADATA_KEY, readGptCheckpoint } from '../src/shakespeare/gpt-checkpoint.js';
import { GptSession, type Corpus } from '../src/shakespeare/gpt-session.js';

const config = { blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0, bias: true };
let corpus: Corpus;

beforeAll(async () => {
  await setBackend('cpu');
  const text = await tinyShakespeare();
  corpus = { text, tokenizer: CharTokenizer.fromText(text) };
});

/**
 * A fresh GPT for `tokenizer` in the layout of `kindling-train --model gpt --save`: its weights, an
 * AdamW moment under `optimizer.*`, and the run's state as JSON under `kindling.gpt` (with `state`
 * merged in; an undefined field is left out). `poisoned` is filled with NaN.
 */
function checkpoint(tokenizer: CharTokenizer, state: Record<string, unknown> = {}, poisoned?: string): Promise<Uint8Array> {
  const model = new GPT({ ...config, vocabSize: tokenizer.vocabSize });
  const weights: Record<string, Tensor> = { ...model.stateDict(), 'optimizer.0.expAvg': fullLike(zeros([65, 8]), NaN) };
  if (poisoned !== undefined) weights[poisoned] = fullLike(weights[poisoned] as Tensor, NaN);
  const run = { iteration: 120, bestValLoss: 3.9, config: model.config, meta: tokenizer.toJSON(), offsetsDrawn: 1440, ...state };
  return serialize(weights, { format: 'pt', [GPT_METADATA_KEY]: JSON.stringify(run) });
}

describe('a kindling-train --model gpt checkpoint loaded into the Shakespeare page', () => {
  it('gives its config, vocabulary, step and weights, leaving the optimizer’s moments', async () => {
    const { config: read, tokenizer, iteration, weights } = readGptCheckpoint(await checkpoint(corpus.tokenizer), 'gpt.safetensors', corpus.tokenizer.itos);
    expect(read).toEqual({ ...config, vocabSize: 65 });
    expect(tokenizer.itos).toEqual(corpus.tokenizer.itos);
    expect(iteration).toBe(120);
    expect(weights['lm_head.weight']?.shape).toEqual([65, 8]);
    expect(Object.keys(weights).some((key) => key.startsWith('optimizer.'))).toBe(false);
  });

  it('makes a session at its step whose model samples from its weights', async () => {
    const session = GptSession.fromCheckpoint(await checkpoint(corpus.tokenizer), 'gpt.safetensors', corpus, 4, 2);
    expect(session.config).toMatchObject({ nLayer: 1, nEmbd: 8, blockSize: 16, vocabSize: 65 });
    expect(session.step).toBe(120);
    expect(Array.from(await session.sample('KING:', 10))).toHaveLength(10);
    session.dispose();
  });

  it('accepts a larger vocabulary that holds every character of the corpus', async () => {
    const wider = new CharTokenizer([...corpus.tokenizer.itos, 'é', '€']);
    const session = GptSession.fromCheckpoint(await checkpoint(wider), 'wide.safetensors', corpus, 4, 2);
    expect(session.tokenizer.vocabSize).toBe(67);
    expect(Number.isFinite((await session.estimateLoss()).val)).toBe(true);
    session.dispose();
  });

  it('refuses non-finite weights, naming the file and the tensor', async () => {
    const bytes = await checkpoint(corpus.tokenizer, {}, 'transformer.h.0.mlp.c_fc.bias');
    expect(() => readGptCheckpoint(bytes, 'nan.safetensors', corpus.tokenizer.itos)).toThrow(
      'nan.safetensors has non-finite weights (transformer.h.0.mlp.c_fc.bias holds 32 NaN or infinite values of 32), which would make every probability NaN; they are not used',
    );
  });

  it('refuses a vocabulary that lacks characters of the corpus, naming them', async () => {
    const bytes = await checkpoint(CharTokenizer.fromText('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'));
    expect(() => readGptCheckpoint(bytes, 'letters.safetensors', corpus.tokenizer.itos)).toThrow(
      'letters.safetensors is not a GPT checkpoint for this corpus: its vocabulary of 52 characters lacks 13 of the corpus\'s ("\\n" " " "!" "$" "&" "\'" "," "-" "." "3" …), so it cannot read the corpus the page trains and measures on',
    );
  });

  it('refuses metadata that is missing or malformed, saying what is wrong', async () => {
    const refused = async (state: Record<string, unknown>) => {
      const bytes = await checkpoint(corpus.tokenizer, state);
      return () => readGptCheckpoint(bytes, 'x.safetensors', corpus.tokenizer.itos);
    };
    const plain = await serialize(new GPT({ ...config, vocabSize: 65 }).stateDict(), { format: 'pt' });
    expect(() => readGptCheckpoint(plain, 'plain.safetensors', corpus.tokenizer.itos)).toThrow(
      "plain.safetensors is not a GPT checkpoint for this corpus: its metadata has no 'kindling.gpt': give a file that kindling-train --model gpt --save wrote",
    );
    expect(await refused({ config: undefined })).toThrow('x.safetensors is not a GPT checkpoint for this corpus: its config is not a JSON object');
    expect(await refused({ config: { ...config, vocabSize: 65, nLayer: 0 } })).toThrow("its config's nLayer must be a whole number from 1, not 0");
    expect(await refused({ config: { ...config, vocabSize: 65, bias: 'yes' } })).toThrow('its config\'s bias must be true or false, not "yes"');
    expect(await refused({ meta: { vocab_size: 2, itos: { 0: 'a' }, stoi: {} } })).toThrow("its meta is not nanoGPT's meta.pkl as JSON");
    expect(await refused({ config: { ...config, vocabSize: 64 } })).toThrow("its vocabulary has 65 characters but its config's vocabSize is 64");
    expect(await refused({ iteration: -1 })).toThrow('its iteration must be a whole number from 0, not -1');
  });

  it('refuses weights that do not fit the config it gives', async () => {
    const bytes = await checkpoint(corpus.tokenizer, { config: { ...config, vocabSize: 65, nLayer: 2 } });
    expect(() => GptSession.fromCheckpoint(bytes, 'short.safetensors', corpus, 4, 2)).toThrow(/^short\.safetensors: its weights do not fit its config \(.*transformer\.h\.1\./);
  });
});
