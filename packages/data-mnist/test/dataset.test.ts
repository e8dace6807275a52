import { describe, expect, it } from 'vitest';
import { DataSet, type Batch } from '../src/index.js';

/** `n` one-pixel examples whose pixel and label are both the example's index, so batches show the order. */
function indexed(n: number, seed = 0): DataSet {
  const values = Uint8Array.from({ length: n }, (_, i) => i);
  return new DataSet(values.slice(), values.slice(), { rows: 1, cols: 1, seed });
}

function order(batch: Batch): number[] {
  return Array.from(batch.labels.dataSync());
}

function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('DataSet', () => {
  it('gives float32 images scaled to [0, 1] and int32 labels', () => {
    const set = new DataSet(Uint8Array.from([0, 51, 255, 128, 1, 2]), Uint8Array.from([3, 9]), { rows: 1, cols: 3, seed: 1 });
    expect(set.numExamples).toBe(2);
    const images = set.images();
    expect(images.dtype).toBe('float32');
    expect(images.shape).toEqual([2, 3]);
    expect(Array.from(images.dataSync())).toEqual([0, 0.2, 1, 128 / 255, 1 / 255, 2 / 255].map(Math.fround));
    const labels = set.labels();
    expect(labels.dtype).toBe('int32');
    expect(Array.from(labels.dataSync())).toEqual([3, 9]);
  });

  it('gives the scaled pixels as one float32 array, as images() holds them', () => {
    const set = new DataSet(Uint8Array.from([0, 51, 255, 128, 1, 2]), Uint8Array.from([3, 9]), { rows: 1, cols: 3, seed: 1 });
    const scaled = set.scaledPixels();
    expect(scaled).toBeInstanceOf(Float32Array);
    expect(Array.from(scaled)).toEqual(Array.from(set.images().dataSync()));
  });

  it('rejects pixels that do not match the labels', () => {
    expect(() => new DataSet(new Uint8Array(10), new Uint8Array(2), { rows: 2, cols: 2 })).toThrow(/2 labels need 8 pixels/);
  });

  describe('nextBatch (TensorFlow semantics)', () => {
    it('without shuffling, walks the file order and carries the rest of an epoch into the next batch', () => {
      const set = indexed(5);
      const next = () => order(set.nextBatch(2, { shuffle: false }));
      expect(next()).toEqual([0, 1]);
      expect(next()).toEqual([2, 3]);
      expect(set.epochsCompleted).toBe(0);
      expect(next()).toEqual([4, 0]); // the rest of epoch 1, then the start of epoch 2
      expect(set.epochsCompleted).toBe(1);
      expect(next()).toEqual([1, 2]);
      expect(next()).toEqual([3, 4]);
      expect(set.epochsCompleted).toBe(1); // an epoch that ends exactly on a batch is counted lazily, as in TensorFlow
      expect(next()).toEqual([0, 1]);
      expect(set.epochsCompleted).toBe(2);
    });

    it('shuffles before the first epoch and reshuffles at each epoch end, carrying the remainder', () => {
      const n = 20;
      const set = indexed(n, 7);
      const first = order(set.nextBatch(15));
      const second = order(set.nextBatch(15));
      const third = order(set.nextBatch(10));
      const epoch1 = [...first, ...second.slice(0, 5)];
      const epoch2 = [...second.slice(5), ...third];
      expect(epoch1).not.toEqual(range(n)); // shuffled
      expect(sorted(epoch1)).toEqual(range(n)); // each example once per epoch
      expect(sorted(epoch2)).toEqual(range(n));
      expect(epoch2).not.toEqual(epoch1); // reshuffled
      expect(set.epochsCompleted).toBe(1);
    });

    it('is reproducible from the seed', () => {
      const a = indexed(30, 3);
      const b = indexed(30, 3);
      const c = indexed(30, 4);
      const draw = (set: DataSet) => [order(set.nextBatch(7)), order(set.nextBatch(7)), order(set.nextBatch(25))];
      const fromA = draw(a);
      expect(draw(b)).toEqual(fromA);
      expect(draw(c)).not.toEqual(fromA);
    });

    it('returns images and labels of the same examples', () => {
      const pixels = Uint8Array.from({ length: 8 * 4 }, (_, k) => Math.floor(k / 4) * 10);
      const set = new DataSet(pixels, Uint8Array.from(range(8)), { rows: 2, cols: 2, seed: 5 });
      const { images, labels } = set.nextBatch(8);
      expect(images.shape).toEqual([8, 4]);
      const values = images.dataSync();
      order({ images, labels }).forEach((label, b) => expect(values[b * 4 + 3]).toBeCloseTo((label * 10) / 255, 6));
    });

    it('rejects batch sizes that are not positive or exceed the set', () => {
      const set = indexed(4);
      expect(() => set.nextBatch(0)).toThrow(/positive integer/);
      expect(() => set.nextBatch(2.5)).toThrow(/positive integer/);
      expect(() => set.nextBatch(5)).toThrow(/larger than the 4 examples/);
    });
  });

  describe('nextBatchIndices', () => {
    /** `n` one-pixel examples whose pixels and labels differ from their indices, so a gather shows through. */
    function scrambled(n: number, seed: number): { set: DataSet; pixels: Uint8Array; labels: Uint8Array } {
      const pixels = Uint8Array.from({ length: n }, (_, i) => (11 * i) % 256);
      const labels = Uint8Array.from({ length: n }, (_, i) => (7 * i) % 10);
      return { set: new DataSet(pixels, labels, { rows: 1, cols: 1, seed }), pixels, labels };
    }

    it('names the examples nextBatch gives a set seeded alike, across epoch boundaries', () => {
      const n = 23;
      const batched = scrambled(n, 9).set;
      const { set: indexedSet, pixels, labels } = scrambled(n, 9);
      for (const size of [5, 10, 23, 7, 1, 17, 9]) {
        const batch = batched.nextBatch(size);
        const indices = Array.from(indexedSet.nextBatchIndices(size));
        expect(indices.map((i) => labels[i])).toEqual(order(batch));
        expect(indices.map((i) => Math.fround((pixels[i] as number) / 255))).toEqual(Array.from(batch.images.dataSync()));
        expect(indexedSet.epochsCompleted).toBe(batched.epochsCompleted);
      }
      expect(batched.epochsCompleted).toBe(3);
    });

    it('shares its position with nextBatch', () => {
      const set = indexed(5);
      expect(Array.from(set.nextBatchIndices(3, { shuffle: false }))).toEqual([0, 1, 2]);
      expect(order(set.nextBatch(3, { shuffle: false }))).toEqual([3, 4, 0]);
      expect(Array.from(set.nextBatchIndices(2, { shuffle: false }))).toEqual([1, 2]);
    });

    it('returns a copy that the next epoch\'s shuffle leaves alone', () => {
      const set = indexed(10, 2);
      const epoch = set.nextBatchIndices(10);
      const kept = Array.from(epoch);
      set.nextBatchIndices(4); // ends the epoch and reshuffles
      expect(Array.from(epoch)).toEqual(kept);
    });

    it('rejects the batch sizes nextBatch rejects, naming itself', () => {
      const set = indexed(4);
      expect(() => set.nextBatchIndices(0)).toThrow('DataSet.nextBatchIndices: batchSize must be a positive integer, got 0');
      expect(() => set.nextBatchIndices(2.5)).toThrow(/positive integer/);
      expect(() => set.nextBatchIndices(5)).toThrow('DataSet.nextBatchIndices: batchSize 5 is larger than the 4 examples in the set');
      expect(() => set.nextBatch(5)).toThrow('DataSet.nextBatch: batchSize 5 is larger than the 4 examples in the set');
    });
  });

  describe('batches', () => {
    it('visits every example once per epoch, in a new order each time', () => {
      const set = indexed(10, 11);
      const epoch = () => [...set.batches(4)].map(order);
      const first = epoch();
      expect(first.map((batch) => batch.length)).toEqual([4, 4, 2]);
      expect(sorted(first.flat())).toEqual(range(10));
      const second = epoch();
      expect(sorted(second.flat())).toEqual(range(10));
      expect(second.flat()).not.toEqual(first.flat());
    });

    it('keeps file order without shuffling and can drop the short last batch', () => {
      const set = indexed(10);
      expect([...set.batches(4, { shuffle: false })].map(order)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
      expect([...set.batches(4, { shuffle: false, dropLast: true })].map(order)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
      expect([...set.batches(5, { dropLast: true })]).toHaveLength(2);
    });

    it('does not move nextBatch', () => {
      const set = indexed(6);
      expect(order(set.nextBatch(4, { shuffle: false }))).toEqual([0, 1, 2, 3]);
      expect([...set.batches(3)]).toHaveLength(2);
      expect(order(set.nextBatch(2, { shuffle: false }))).toEqual([4, 5]);
    });
  });
});
