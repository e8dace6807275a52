export * from './portable.js';
export { CacheNotWritableError, DEFAULT_MIRRORS, DownloadError, downloadMnistFile, type DownloadOptions } from './download.js';
export { decompressIfGzip, parseIdxImages, parseIdxLabels, parseIdxPair } from './idx.js';
export { MNIST, type MnistLoadOptions, type MnistTensors } from './mnist.js';
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
