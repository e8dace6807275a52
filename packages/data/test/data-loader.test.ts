import { Generator, manualSeed, memory, tensor, type Tensor } from '@kindling/tensor';
import { describe, expect, it, vi } from 'vitest';
import { DataLoader, defaultCollate, permutation, randomSplit, TensorDataset, type Dataset } from '../src/index.js';

/** A dataset of `n` records whose `index` says which item it is; each `get` makes a new tensor. */
function records(n: number): Dataset<{ index: number; features: Tensor }> {
  return { length: n, get: (index) => ({ index, features: tensor([index, -index]) }) };
}

/** Every batch of one pass, as the item indices it holds. */
async function pass(loader: DataLoader<{ index: number; features: Tensor }>): Promise<number[][]> {
  const batches: number[][] = [];
  for await (const batch of loader) {
    batches.push(Array.from(batch.index.dataSync()));
    batch.index.dispose();
    batch.features.dispose();
  }
  return batches;
}

describe('DataLoader', () => {
  it('counts its batches, with and without the last partial one', () => {
    expect(new DataLoader(records(10), { batchSize: 3 }).length).toBe(4);
    expect(new DataLoader(records(10), { batchSize: 3, dropLast: true }).length).toBe(3);
    expect(new DataLoader(records(9), { batchSize: 3 }).length).toBe(3);
    expect(new DataLoader(records(10)).length).toBe(10);
  });

  it.each([-5, NaN, 2.5, undefined, '10'])("refuses a dataset whose length is %s, naming the dataset's length", (length) => {
    const dataset = { length, get: () => 0 } as unknown as Dataset<number>;
    expect(() => new DataLoader(dataset)).toThrow(`DataLoader: the dataset's length must be a non-negative integer (its number of items), got ${String(length)}`);
  });

  it('refuses a dataset longer than a pass can index, before allocating its order', () => {
    for (const length of [Infinity, 2 ** 31]) {
      expect(() => new DataLoader({ length, get: () => 0 })).toThrow(`DataLoader: the dataset's length ${length} is more items than a DataLoader indexes (at most 2147483647)`);
    }
  });

  it("checks the dataset's length again on each pass, for a dataset that changed", async () => {
    const dataset = { length: 4, get: (index: number) => index };
    const loader = new DataLoader(dataset, { batchSize: 2 });
    dataset.length = -1;
    expect(() => loader.length).toThrow("the dataset's length must be a non-negative integer");
    await expect(loader[Symbol.asyncIterator]().next()).rejects.toThrow("the dataset's length must be a non-negative integer");
  });

  it.each([NaN, 1.5, 2 ** 53, -Infinity])('refuses the seed %s with its own error, naming its option', (seed) => {
    expect(() => new DataLoader(records(3), { seed })).toThrow(`DataLoader: seed must be a safe integer, got ${seed}`);
  });

  it('visits the items in order without shuffle, the last batch partial', async () => {
    expect(await pass(new DataLoader(records(7), { batchSize: 3 }))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('drops the last partial batch with dropLast', async () => {
    expect(await pass(new DataLoader(records(7), { batchSize: 3, dropLast: true }))).toEqual([[0, 1, 2], [3, 4, 5]]);
  });

  it('collates records field by field', async () => {
    const loader = new DataLoader(records(5), { batchSize: 2 });
    const iterator = loader[Symbol.asyncIterator]();
    const { value } = await iterator.next();
    if (!value) throw new Error('expected a batch');
    expect(value.index.dtype).toBe('int32');
    expect(Array.from(value.index.dataSync())).toEqual([0, 1]);
    expect(value.features.shape).toEqual([2, 2]);
    expect(value.features.arraySync()).toEqual([[0, -0], [1, -1]]);
    await iterator.return?.();
  });

  it('shuffles in the same order for the same seed, a new order each pass, from the host generator', async () => {
    const make = () => new DataLoader(records(10), { batchSize: 4, shuffle: true, seed: 7 });
    const first = make();
    const second = make();
    const firstPasses = [await pass(first), await pass(first), await pass(first)];
    const secondPasses = [await pass(second), await pass(second), await pass(second)];
    expect(secondPasses).toEqual(firstPasses);
    expect(firstPasses[1]).not.toEqual(firstPasses[0]);
    expect(firstPasses[2]).not.toEqual(firstPasses[1]);
    for (const batches of firstPasses) {
      expect(batches.map((batch) => batch.length)).toEqual([4, 4, 2]);
      expect(batches.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    // The draw is Fisher-Yates on Kindling's Generator seeded with the loader's seed, pass after pass.
    const generator = new Generator(7);
    for (const batches of firstPasses) expect(batches.flat()).toEqual(Array.from(permutation(10, generator)));
    expect(await pass(new DataLoader(records(10), { batchSize: 4, shuffle: true, seed: 8 }))).not.toEqual(firstPasses[0]);
  });

  it('shuffles with dropLast, leaving out a different remainder each pass', async () => {
    const loader = new DataLoader(records(10), { batchSize: 4, shuffle: true, dropLast: true, seed: 1 });
    const passes = [await pass(loader), await pass(loader)];
    for (const batches of passes) expect(batches.map((batch) => batch.length)).toEqual([4, 4]);
    expect(passes[0]).not.toEqual(passes[1]);
  });

  it('takes its seed from the default generator when none is given, so manualSeed fixes the order', async () => {
    manualSeed(3);
    const first = await pass(new DataLoader(records(10), { batchSize: 10, shuffle: true }));
    manualSeed(3);
    expect(await pass(new DataLoader(records(10), { batchSize: 10, shuffle: true }))).toEqual(first);
  });

  it('uses a collate function when given', async () => {
    const loader = new DataLoader(records(5), { batchSize: 2, collate: (items) => items.map((item) => item.index) });
    const batches: number[][] = [];
    for await (const batch of loader) batches.push(batch);
    expect(batches).toEqual([[0, 1], [2, 3], [4]]);
  });

  it("frees the items' tensors once collated, leaving only the batches", async () => {
    const before = memory().numStorages;
    const loader = new DataLoader(records(6), { batchSize: 2 });
    const batches = [];
    for await (const batch of loader) batches.push(batch);
    expect(memory().numStorages).toBe(before + 2 * batches.length);
    for (const batch of batches) {
      batch.index.dispose();
      batch.features.dispose();
    }
    expect(memory().numStorages).toBe(before);
  });

  it('refuses a batch size that is not a positive integer', () => {
    expect(() => new DataLoader(records(5), { batchSize: 0 })).toThrow('DataLoader: batchSize must be a positive integer, got 0');
    expect(() => new DataLoader(records(5), { batchSize: 1.5 })).toThrow('DataLoader: batchSize must be a positive integer, got 1.5');
  });
});

describe('DataLoader over a TensorDataset', () => {
  const x = tensor(Array.from({ length: 10 }, (_, i) => [i, i * i]));
  const y = tensor(Array.from({ length: 10 }, (_, i) => i % 3), { dtype: 'int32' });
  const dataset = new TensorDataset(x, y);

  it('gathers each batch in one indexed copy per tensor, equal to collating the items one by one', async () => {
    const gathers = vi.spyOn(dataset, 'gather');
    const reads = vi.spyOn(dataset, 'get');
    const gathered = new DataLoader(dataset, { batchSize: 4, shuffle: true, seed: 5 });
    const collated = new DataLoader(dataset, { batchSize: 4, shuffle: true, seed: 5, collate: defaultCollate });
    const collatedBatches: [Tensor, Tensor][] = [];
    for await (const batch of collated) collatedBatches.push(batch);
    expect(reads).toHaveBeenCalledTimes(10);
    reads.mockClear();
    let b = 0;
    for await (const [xb, yb] of gathered) {
      const [xc, yc] = collatedBatches[b++] as [Tensor, Tensor];
      expect(xb.shape).toEqual(xc.shape);
      expect(xb.arraySync()).toEqual(xc.arraySync());
      expect(yb.dtype).toBe('int32');
      expect(yb.arraySync()).toEqual(yc.arraySync());
      for (const t of [xb, yb, xc, yc]) t.dispose();
    }
    expect(b).toBe(3);
    expect(gathers).toHaveBeenCalledTimes(3);
    expect(reads).not.toHaveBeenCalled();
    gathers.mockRestore();
    reads.mockRestore();
  });

  it('gathers the batches of a random split through its indices', async () => {
    const [train] = randomSplit(dataset, [6, 4], { seed: 2 });
    if (!train) throw new Error('expected a split');
    const gathers = vi.spyOn(dataset, 'gather');
    const seen: number[] = [];
    for await (const [xb, yb] of new DataLoader(train, { batchSize: 4 })) {
      for (const [row] of xb.arraySync() as number[][]) seen.push(row as number);
      xb.dispose();
      yb.dispose();
    }
    expect(gathers).toHaveBeenCalledTimes(2);
    expect(seen).toEqual(Array.from(train.indices));
    gathers.mockRestore();
  });
});
