import { defaultGenerator, Generator } from '@kindling/tensor';
import { Subset, type Dataset } from './dataset.js';
import { permutation } from './permutation.js';

export interface RandomSplitOptions {
  /** Seeds the permutation; by default it is drawn from Kindling's default generator (`manualSeed`). */
  seed?: number;
}

/** Python's `math.isclose(a, b)` with its default relative tolerance. */
function isClose(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** Fractions to counts as PyTorch 1.13 does: floor each, then hand the remainder out one by one from the first. */
function countsFromFractions(fractions: readonly number[], total: number): number[] {
  fractions.forEach((fraction, i) => {
    if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`randomSplit: fraction ${fraction} at index ${i} is not between 0 and 1`);
  });
  const counts = fractions.map((fraction) => Math.floor(total * fraction));
  const remainder = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; i < remainder; i++) counts[i % counts.length] = (counts[i % counts.length] as number) + 1;
  return counts;
}

/** One Subset per length: a tuple when the lengths are written out (`[0.8, 0.2]` gives two), so destructuring them needs no checks. */
export type SubsetsFor<T, L extends readonly number[]> = { -readonly [K in keyof L]: Subset<T> };

/**
 * Splits `dataset` into non-overlapping random subsets, as `torch.utils.data.random_split`:
 * `lengths` are item counts that add up to the dataset's length, or fractions that add up to 1
 * (each `floor(length * fraction)`, with the items left over given one each to the subsets from
 * the first).
 *
 * @example
 * const [train, validation] = randomSplit(dataset, [0.8, 0.2], { seed: 42 });
 */
export function randomSplit<T, const L extends readonly number[]>(dataset: Dataset<T>, lengths: L, options: RandomSplitOptions = {}): SubsetsFor<T, L> {
  if (lengths.length === 0) throw new RangeError('randomSplit: expected at least one length, got none');
  const sum = lengths.reduce((a, b) => a + b, 0);
  const counts = isClose(sum, 1) && sum <= 1 ? countsFromFractions(lengths, dataset.length) : [...lengths];
  counts.forEach((count, i) => {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`randomSplit: lengths[${i}] is ${count}; lengths are non-negative integers, or fractions that add up to 1`);
    }
  });
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== dataset.length) {
    throw new RangeError(`randomSplit: the lengths [${lengths.join(', ')}] add up to ${total}, but the dataset has ${dataset.length} items`);
  }
  const generator = options.seed === undefined ? defaultGenerator : new Generator(options.seed);
  const order = permutation(total, generator);
  let offset = 0;
  return counts.map((count) => new Subset(dataset, order.subarray(offset, (offset += count)))) as SubsetsFor<T, L>;
}
