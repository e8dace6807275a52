/*
 * What both entries export: everything that needs no Node module. The browser entry (browser.ts)
 * adds the IDX parsers for inflated bytes; the Node entry (index.ts) adds the file system's sources,
 * downloads, and parsers that inflate gzip themselves.
 */
export { ChecksumError } from './checksum.js';
export { DataSet, type Batch, type BatchesOptions, type DataSetOptions, type NextBatchOptions } from './dataset.js';
export { fetchDataSets, type FetchDataSetsOptions, type FetchedDataSets } from './fetch-data-sets.js';
export { gunzipIdx } from './gunzip-stream.js';
export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, IdxFormatError, isGzip, type IdxExamples, type IdxImages, type IdxLabels } from './idx-format.js';
export { MNIST_FILE_NAMES, MNIST_FILES, MNIST_NORMALIZATION, MNIST_SHA256, type MnistFileName } from './mnist-files.js';
export type { SplitOptions } from './splits.js';
