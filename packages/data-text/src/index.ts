/**
 * @kindling/data-text: character-level text for language models, as nanoGPT's `shakespeare_char`:
 * the tiny Shakespeare corpus (shipped and verified), a character tokenizer, nanoGPT's train/val
 * split and its random-offset batches. `@kindling/data-text/browser` has everything but the file reads.
 */
export { CharTokenizer, type CharTokenizerMeta } from './char-tokenizer.js';
export { readText, tinyShakespeare, tinyShakespearePath, type ReadTextOptions } from './corpus.js';
export { splitTrainVal, TextBatchSampler, type TextBatch, type TextBatchOptions, type TextSplits } from './text-batches.js';
export { checkTextSha256, fetchText, TextChecksumError, TINY_SHAKESPEARE, type FetchTextOptions } from './verified-text.js';
