/**
 * @kindling/data-text for web pages: no file reads (serve `tinyshakespeare.txt` beside the page and
 * `fetchText(url, { sha256: TINY_SHAKESPEARE.sha256 })`), everything else as in Node.
 */
export { CharTokenizer, type CharTokenizerMeta } from './char-tokenizer.js';
export { splitTrainVal, TextBatchSampler, type TextBatch, type TextBatchOptions, type TextSplits } from './text-batches.js';
export { checkTextSha256, fetchText, TextChecksumError, TINY_SHAKESPEARE, type FetchTextOptions } from './verified-text.js';
