import { CharTokenizer, type CharTokenizerMeta } from '@kindling/data-text/browser';
import type { GPTConfig } from '@kindling/models';
import { deserialize } from '@kindling/nn';
import type { Tensor } from '@kindling/tensor';
import { refuseNonFiniteWeights } from '../checkpoint.js';

/*
 * The layout `kindling-train --model gpt --save` writes (apps/trainer/src/gpt-checkpoint.ts): the
 * weights under nanoGPT's state-dict keys, AdamW's moments beside them under `optimizer.*`, and the
 * run's state as JSON in the `kindling.gpt` metadata, of which the page reads three fields:
 *   config     the model's GPTConfig {blockSize, vocabSize, nLayer, nHead, nEmbd, dropout, bias}
 *   meta       the vocabulary, nanoGPT's meta.pkl {vocab_size, itos, stoi}
 *   iteration  the steps the run had taken
 * The page takes the weights and leaves the optimizer's moments: it trains on with a fresh AdamW.
 */
export const GPT_METADATA_KEY = 'kindling.gpt';
const OPTIMIZER_PREFIX = 'optimizer.';

/** What a GPT checkpoint holds for the page, read and checked: the weights stay on `cpu` until a model loads them. */
export interface GptCheckpoint {
  config: GPTConfig;
  tokenizer: CharTokenizer;
  /** The steps the run that wrote it had taken. */
  iteration: number;
  weights: Record<string, Tensor>;
}

function recordOf(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`its ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function configFrom(value: unknown): GPTConfig {
  const config = recordOf(value, 'config');
  const count = (key: keyof GPTConfig, least = 1): number => {
    const number = config[key];
    if (typeof number !== 'number' || !Number.isInteger(number) || number < least) throw new Error(`its config's ${key} must be a whole number from ${least}, not ${JSON.stringify(number)}`);
    return number;
  };
  const sizes = { blockSize: count('blockSize'), vocabSize: count('vocabSize'), nLayer: count('nLayer'), nHead: count('nHead'), nEmbd: count('nEmbd') };
  const { bias, dropout } = config;
  if (typeof bias !== 'boolean') throw new Error(`its config's bias must be true or false, not ${JSON.stringify(bias)}`);
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw new Error(`its config's dropout must be a number from 0 to below 1, not ${JSON.stringify(dropout)}`);
  return { ...sizes, bias, dropout };
}

/** The characters of `corpusCharacters` that `tokenizer` cannot encode. */
export function charactersOutside(tokenizer: CharTokenizer, corpusCharacters: readonly string[]): string[] {
  const known = new Set(tokenizer.itos);
  return corpusCharacters.filter((character) => !known.has(character));
}

function tokenizerFrom(meta: unknown, config: GPTConfig, corpusCharacters: readonly string[]): CharTokenizer {
  let tokenizer: CharTokenizer;
  try {
    tokenizer = CharTokenizer.fromJSON(recordOf(meta, 'meta') as unknown as CharTokenizerMeta);
  } catch (error) {
    throw new Error(`its meta is not nanoGPT's meta.pkl as JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (tokenizer.vocabSize !== config.vocabSize) throw new Error(`its vocabulary has ${tokenizer.vocabSize} characters but its config's vocabSize is ${config.vocabSize}`);
  const missing = charactersOutside(tokenizer, corpusCharacters);
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).map((character) => JSON.stringify(character)).join(' ');
    throw new Error(`its vocabulary of ${tokenizer.vocabSize} characters lacks ${missing.length} of the corpus's (${shown}${missing.length > 10 ? ' …' : ''}), so it cannot read the corpus the page trains and measures on`);
  }
  return tokenizer;
}

/**
 * The GPT checkpoint in `bytes` (the layout above), refused with an error naming `fileName` and
 * the problem: weights that are not finite, metadata that is missing or malformed, or a vocabulary
 * that cannot encode every one of `corpusCharacters`. The weights' keys and shapes are checked
 * when a model loads them.
 */
export function readGptCheckpoint(bytes: Uint8Array, fileName: string, corpusCharacters: readonly string[]): GptCheckpoint {
  const { tensors, metadata } = deserialize(bytes, fileName, 'cpu');
  const weights: Record<string, Tensor> = {};
  for (const [key, tensor] of Object.entries(tensors)) {
    if (key.startsWith(OPTIMIZER_PREFIX)) tensor.dispose();
    else weights[key] = tensor;
  }
  refuseNonFiniteWeights(weights, fileName);
  try {
    const json = metadata[GPT_METADATA_KEY];
    if (json === undefined) throw new Error(`its metadata has no '${GPT_METADATA_KEY}': give a file that kindling-train --model gpt --save wrote`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new Error(`its '${GPT_METADATA_KEY}' metadata is not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    const state = recordOf(parsed, `'${GPT_METADATA_KEY}' metadata`);
    const config = configFrom(state['config']);
    const tokenizer = tokenizerFrom(state['meta'], config, corpusCharacters);
    const { iteration } = state;
    if (typeof iteration !== 'number' || !Number.isInteger(iteration) || iteration < 0) throw new Error(`its iteration must be a whole number from 0, not ${JSON.stringify(iteration)}`);
    return { config, tokenizer, iteration, weights };
  } catch (error) {
    for (const tensor of Object.values(weights)) tensor.dispose();
    throw new Error(`${fileName} is not a GPT checkpoint for this corpus: ${error instanceof Error ? error.message : String(error)}`);
  }
}
