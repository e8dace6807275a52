/**
 * A map-style dataset, as `torch.utils.data.Dataset`: `length` items, each read by `get(index)` for
 * an index from 0 to `length - 1`.
 *
 * @example
 * const squares: Dataset<[number, number]> = { length: 10, get: (i) => [i, i * i] };
 */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
}

/** The item type of a dataset. */
export type ItemOf<D> = D extends Dataset<infer T> ? T : never;

/**
 * Throws unless `index` is an integer from 0 to `length - 1`; `where` names the caller in the message.
 * Negative indices are refused rather than counted from the end, so an off-by-one never reads the
 * last item silently.
 */
export function checkIndex(index: number, length: number, where: string): void {
  if (Number.isInteger(index) && index >= 0 && index < length) return;
  const valid = length === 0 ? 'the dataset is empty' : `valid indices are 0 to ${length - 1}`;
  throw new RangeError(`${where}: index ${index} is out of range for a dataset of ${length} items (${valid})`);
}

/**
 * The items of `dataset` at `indices`, in that order, as `torch.utils.data.Subset`. Indices are
 * checked against the dataset when the subset is made.
 *
 * @example
 * const firstTen = new Subset(dataset, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 */
export class Subset<T> implements Dataset<T> {
  readonly indices: Int32Array;

  constructor(
    readonly dataset: Dataset<T>,
    indices: ArrayLike<number>,
  ) {
    for (let i = 0; i < indices.length; i++) checkIndex(indices[i] as number, dataset.length, `Subset: indices[${i}]`);
    this.indices = Int32Array.from(indices);
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    checkIndex(index, this.length, 'Subset.get');
    return this.dataset.get(this.indices[index] as number);
  }
}

/**
 * Several datasets one after another, as `torch.utils.data.ConcatDataset`: index `i` reads the
 * first dataset while `i` is below its length, then the second, and so on.
 *
 * @example
 * const all = new ConcatDataset([trainSet, extraSet]);
 */
export class ConcatDataset<T> implements Dataset<T> {
  readonly datasets: readonly Dataset<T>[];
  /** `cumulativeSizes[k]`: how many items the first k + 1 datasets hold together. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: Iterable<Dataset<T>>) {
    this.datasets = [...datasets];
    if (this.datasets.length === 0) throw new RangeError('ConcatDataset: expected at least one dataset, got none');
    let total = 0;
    this.cumulativeSizes = this.datasets.map((dataset) => (total += dataset.length));
  }

  get length(): number {
    return this.cumulativeSizes.at(-1) as number;
  }

  get(index: number): T {
    checkIndex(index, this.length, 'ConcatDataset.get');
    // The first dataset whose cumulative size exceeds the index: a binary search, as torch's bisect.
    let low = 0;
    let high = this.cumulativeSizes.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.cumulativeSizes[middle] as number) > index) high = middle;
      else low = middle + 1;
    }
    const before = low === 0 ? 0 : (this.cumulativeSizes[low - 1] as number);
    return (this.datasets[low] as Dataset<T>).get(index - before);
  }
}
