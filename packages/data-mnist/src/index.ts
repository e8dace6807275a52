export { DataSet, type Batch, type BatchesOptions, type DataSetOptions, type NextBatchOptions } from './dataset.js';
export {
  DEFAULT_MIRRORS,
  DownloadError,
  downloadMnistFile,
  MNIST_FILE_NAMES,
  MNIST_FILES,
  MNIST_SHA256,
  type DownloadOptions,
  type MnistFileName,
} from './download.js';
export {
  decompressIfGzip,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  IdxFormatError,
  isGzip,
  parseIdxImages,
  parseIdxLabels,
  parseIdxPair,
  type IdxExamples,
  type IdxImages,
  type IdxLabels,
} from './idx.js';
export { MNIST, MNIST_NORMALIZATION, type MnistLoadOptions, type MnistTensors } from './mnist.js';
export { readDataSets, type DataSets, type ReadDataSetsOptions } from './read-data-sets.js';
export type { ReadMnistOptions } from './read-files.js';
export {
  DEFAULT_SOURCES,
  defaultCacheDir,
  mnistPackageDir,
  MnistNotFoundError,
  resolveMnistFiles,
  type MnistFiles,
  type SourceKind,
  type SourceOptions,
} from './sources.js';
export { ChecksumError } from './verify.js';
