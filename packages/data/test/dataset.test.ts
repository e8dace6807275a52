import { describe, expect, expectTypeOf, it } from 'vitest';
import { checkIndex, ConcatDataset, randomSplit, Subset, type Dataset } from '../src/index.js';

/** Items 0..n-1 times ten, so an item says which index read it. */
function tens(n: number): Dataset<number> {
  return { length: n, get: (index) => (checkIndex(index, n, 'tens'), index * 10) };
}

function items<T>(dataset: Dataset<T>): T[] {
  return Array.from({ length: dataset.length }, (_, i) => dataset.get(i));
}

describe('checkIndex', () => {
  it('accepts 0 to length - 1 and names the caller, the index and the valid range otherwise', () => {
    expect(() => checkIndex(0, 3, 'f')).not.toThrow();
    expect(() => checkIndex(2, 3, 'f')).not.toThrow();
    expect(() => checkIndex(3, 3, 'f')).toThrow('f: index 3 is out of range for a dataset of 3 items (valid indices are 0 to 2)');
    expect(() => checkIndex(-1, 3, 'f')).toThrow('f: index -1 is out of range');
    expect(() => checkIndex(1.5, 3, 'f')).toThrow('f: index 1.5 is out of range');
    expect(() => checkIndex(0, 0, 'f')).toThrow('(the dataset is empty)');
  });
});

describe('Subset', () => {
  it('reads the dataset at its indices, in their order', () => {
    const subset = new Subset(tens(5), [4, 0, 2]);
    expect(subset.length).toBe(3);
    expect(items(subset)).toEqual([40, 0, 20]);
  });

  it('refuses indices outside the dataset when made, and its own out of range when read', () => {
    expect(() => new Subset(tens(5), [1, 5])).toThrow('Subset: indices[1]: index 5 is out of range for a dataset of 5 items');
    expect(() => new Subset(tens(5), [1, 2]).get(2)).toThrow('Subset.get: index 2 is out of range for a dataset of 2 items (valid indices are 0 to 1)');
  });
});

describe('ConcatDataset', () => {
  it('reads the datasets one after another, with cumulative sizes as torch', () => {
    const concat = new ConcatDataset([tens(2), tens(0), tens(3)]);
    expect(concat.length).toBe(5);
    expect(concat.cumulativeSizes).toEqual([2, 2, 5]);
    expect(items(concat)).toEqual([0, 10, 0, 10, 20]);
  });

  it('refuses no datasets and indices past the end', () => {
    expect(() => new ConcatDataset([])).toThrow('ConcatDataset: expected at least one dataset, got none');
    expect(() => new ConcatDataset([tens(2), tens(3)]).get(5)).toThrow('ConcatDataset.get: index 5 is out of range for a dataset of 5 items');
  });
});

describe('randomSplit', () => {
  it('is typed as a tuple of the lengths written out, so destructuring needs no undefined checks', () => {
    const [train, validation] = randomSplit(tens(10), [0.8, 0.2], { seed: 0 });
    expectTypeOf(train).toEqualTypeOf<Subset<number>>();
    expectTypeOf(validation).toEqualTypeOf<Subset<number>>();
    expect([train.length, validation.length]).toEqual([8, 2]);
    const lengths: number[] = [5, 5];
    expectTypeOf(randomSplit(tens(10), lengths)).toEqualTypeOf<Subset<number>[]>();
  });

  it('splits by counts into disjoint subsets that cover the dataset', () => {
    const parts = randomSplit(tens(10), [3, 7], { seed: 1 });
    expect(parts.map((part) => part.length)).toEqual([3, 7]);
    const all = parts.flatMap(items).sort((a, b) => a - b);
    expect(all).toEqual(items(tens(10)));
  });

  // The lengths torch 1.13's random_split gives for these fractions.
  it.each([
    [10, [0.33, 0.33, 0.34], [4, 3, 3]],
    [7, [0.5, 0.5], [4, 3]],
    [11, [0.1, 0.2, 0.3, 0.4], [2, 2, 3, 4]],
  ])('splits %i items by fractions %j into %j, as PyTorch 1.13', (n, fractions, lengths) => {
    expect(randomSplit(tens(n), fractions, { seed: 0 }).map((part) => part.length)).toEqual(lengths);
  });

  it('gives the same split for the same seed and another for another seed', () => {
    const split = (seed: number) => randomSplit(tens(20), [0.5, 0.5], { seed }).map((part) => Array.from(part.indices));
    expect(split(3)).toEqual(split(3));
    expect(split(3)).not.toEqual(split(4));
  });

  it('refuses lengths that do not add up to the dataset, negative or fractional counts, and fractions outside [0, 1]', () => {
    expect(() => randomSplit(tens(10), [3, 6])).toThrow('randomSplit: the lengths [3, 6] add up to 9, but the dataset has 10 items');
    expect(() => randomSplit(tens(10), [11, -1])).toThrow('randomSplit: lengths[1] is -1');
    expect(() => randomSplit(tens(10), [2.5, 7.5])).toThrow('randomSplit: lengths[0] is 2.5; lengths are non-negative integers, or fractions that add up to 1');
    expect(() => randomSplit(tens(10), [1.5, -0.5])).toThrow('randomSplit: fraction 1.5 at index 0 is not between 0 and 1');
    expect(() => randomSplit(tens(10), [])).toThrow('randomSplit: expected at least one length, got none');
  });
});
