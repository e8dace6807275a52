import { Generator, memory, setBackend } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeviceDataset, permutation } from '../src/index.js';

describe('DeviceDataset on the cpu backend', () => {
  // Five examples of 2×2 pixels whose values say which example they are.
  const images = Float32Array.from({ length: 20 }, (_, i) => Math.floor(i / 4) + (i % 4) / 10);
  const labels = Int32Array.from([4, 3, 2, 1, 0]);

  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('uploads the set and gathers the examples at the indices', () => {
    const data = DeviceDataset.upload(images, labels, [2, 2], 'cpu');
    expect(data.numExamples).toBe(5);
    expect(data.images.shape).toEqual([5, 2, 2]);
    const { images: batch, labels: batchLabels } = data.batch([4, 1]);
    expect(batch.arraySync()).toEqual([
      [[4, 4.1], [4.2, 4.3]].map((row) => row.map(Math.fround)),
      [[1, 1.1], [1.2, 1.3]].map((row) => row.map(Math.fround)),
    ]);
    expect(Array.from(batchLabels.dataSync())).toEqual([0, 3]);
    batch.dispose();
    batchLabels.dispose();
    data.dispose();
  });

  it('gives one epoch of batches in the order of the generator, the last one smaller', () => {
    const data = DeviceDataset.upload(images, labels, [4]);
    const order = Array.from(permutation(5, new Generator(9)));
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const batch of data.batches(2, new Generator(9))) {
      sizes.push(batch.labels.numel());
      seen.push(...Array.from(batch.labels.dataSync(), (label) => 4 - label));
      batch.images.dispose();
      batch.labels.dispose();
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(order);
    data.dispose();
  });

  it('refuses indices out of range before they reach the device, and mismatched sizes', () => {
    const data = DeviceDataset.upload(images, labels, [4]);
    expect(() => data.batch([0, 5])).toThrow('DeviceDataset.batch: indices[1]: index 5 is out of range for a dataset of 5 items (valid indices are 0 to 4)');
    expect(() => DeviceDataset.upload(images, labels, [3])).toThrow('DeviceDataset.upload: 5 labels need 15 image values of shape [3], got 20');
    expect(() => [...data.batches(0)]).toThrow('DeviceDataset.batches: batchSize must be a positive integer, got 0');
    data.dispose();
  });

  it('frees its device copies on dispose', () => {
    const before = memory().numStorages;
    const data = DeviceDataset.upload(images, labels, [4]);
    expect(memory().numStorages).toBe(before + 2);
    data.dispose();
    expect(memory().numStorages).toBe(before);
  });
});
