import { defaultGenerator } from '@kindling/tensor';
import { DataSet } from './dataset.js';
import { IdxFormatError, type IdxExamples } from './idx-format.js';
import { MNIST_FILES, type MnistFileName } from './mnist-files.js';

/*
 * What every reader of MNIST does once it has the files' bytes, wherever they came from (a
 * directory, a download, a URL): check the labels and split the examples. Node-free.
 */

/** MNIST's two splits: the 60,000 training examples and the 10,000 test examples. */
export type MnistSplit = 'train' | 'test';

/** The image file and the label file of each split. */
export const SPLIT_FILES: Record<MnistSplit, [MnistFileName, MnistFileName]> = {
  train: [MNIST_FILES.trainImages, MNIST_FILES.trainLabels],
  test: [MNIST_FILES.testImages, MNIST_FILES.testLabels],
};

/** `numClasses` (default 10), checked to be a class count that byte labels can reach; `where` names the caller. */
export function checkNumClasses(numClasses: number | undefined, where: string): number {
  const checked = numClasses ?? 10;
  if (!Number.isInteger(checked) || checked < 1 || checked > 256) {
    throw new RangeError(`${where}: numClasses must be an integer from 1 to 256 (labels are bytes), got ${checked}`);
  }
  return checked;
}

/** Throws an `IdxFormatError` naming `source` and the first label that is not below `numClasses`. */
export function checkLabels(labels: Uint8Array, source: string, numClasses: number): void {
  const index = labels.findIndex((label) => label >= numClasses);
  if (index === -1) return;
  throw new IdxFormatError(
    source,
    `label ${labels[index]} of example ${index} is outside the ${numClasses} classes (0 to ${numClasses - 1}); the file is corrupt or not MNIST — delete it and let Kindling fetch it again`,
  );
}

/** How `splitDataSets` divides the training examples and seeds the sets. */
export interface SplitOptions {
  /** How many of the first training images form the validation set (default 5000, as TensorFlow). */
  validationSize?: number;
  /** Seeds the shuffling of the three sets; by default drawn from Kindling's default generator (`manualSeed`). */
  seed?: number;
}

/** The three sets TensorFlow's `read_data_sets` makes. */
export interface SplitSets {
  train: DataSet;
  validation: DataSet;
  test: DataSet;
}

/**
 * TensorFlow's split: the first `validationSize` training examples are the validation set, the rest
 * the training set, and the test examples the test set, seeded `seed`, `seed + 1` and `seed + 2`.
 * The sets share the examples' bytes, not copies.
 */
export function splitDataSets(train: IdxExamples, test: IdxExamples, options: SplitOptions, where: string): SplitSets {
  const validationSize = options.validationSize ?? 5000;
  if (!Number.isInteger(validationSize) || validationSize < 0 || validationSize > train.count) {
    throw new RangeError(`${where}: validationSize must be an integer from 0 to ${train.count} (the training images), got ${validationSize}`);
  }
  if (test.rows !== train.rows || test.cols !== train.cols) {
    throw new Error(`${where}: the training images are ${train.rows}×${train.cols} but the test images are ${test.rows}×${test.cols}`);
  }
  const seed = options.seed ?? defaultGenerator.nextUint32();
  const shape = { rows: train.rows, cols: train.cols };
  const split = validationSize * train.rows * train.cols;
  return {
    train: new DataSet(train.pixels.subarray(split), train.labels.subarray(validationSize), { ...shape, seed }),
    validation: new DataSet(train.pixels.subarray(0, split), train.labels.subarray(0, validationSize), { ...shape, seed: seed + 1 }),
    test: new DataSet(test.pixels, test.labels, { ...shape, seed: seed + 2 }),
  };
}
