import { CharTokenizer } from '@kindling/data-text';
import { GPT } from '@kindling/models';
import { fromValues, manualSeed } from '@kindling/tensor';
import { disposeCheckpoint, loadGptCheckpoint } from './gpt-checkpoint.js';

/** nanoGPT's `sample.py` settings, in camelCase. */
export interface SampleOptions {
  /** A checkpoint `kindling-train --model gpt --save` wrote. */
  checkpoint: string;
  /** The prompt every sample continues (and begins with). */
  start: string;
  numSamples: number;
  maxNewTokens: number;
  temperature: number;
  /** Draw only from the `topK` most likely characters (all of them when undefined). */
  topK?: number;
  seed: number;
}

/**
 * nanoGPT's `sample.py`: loads the checkpoint's model and vocabulary, seeds the random numbers with
 * `seed`, and draws `numSamples` continuations of `start`, each `maxNewTokens` characters long,
 * returning them with the prompt at their head. A seed gives the same samples on every backend.
 */
export async function sampleGpt(options: SampleOptions): Promise<string[]> {
  const checkpoint = await loadGptCheckpoint(options.checkpoint);
  const tokenizer = CharTokenizer.fromJSON(checkpoint.state.meta);
  let startIds: Int32Array;
  try {
    startIds = tokenizer.encode(options.start);
  } catch (error) {
    disposeCheckpoint(checkpoint);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`--start: ${reason}; the model knows only the characters of the text it was trained on`);
  }
  const model = new GPT(checkpoint.state.config);
  try {
    model.loadStateDict(checkpoint.weights);
  } finally {
    disposeCheckpoint(checkpoint);
  }
  model.eval();
  // Seeded after the model is built, whose initial weights (then replaced) also draw random numbers.
  manualSeed(options.seed);
  const prompt = fromValues(startIds, [1, startIds.length]);
  const samples: string[] = [];
  try {
    for (let k = 0; k < options.numSamples; k++) {
      const generated = model.generate(prompt, options.maxNewTokens, { temperature: options.temperature, ...(options.topK !== undefined ? { topK: options.topK } : {}) });
      samples.push(tokenizer.decode(await generated.data()));
      if (generated !== prompt) generated.dispose();
    }
  } finally {
    prompt.dispose();
    for (const parameter of model.parameters()) parameter.data.dispose();
  }
  return samples;
}
