import { defaultGenerator, Generator, StepScopes, tidy } from '@kindling/tensor';
import { defaultCollate, type Collated } from './collate.js';
import { Subset, type Dataset } from './dataset.js';
import { permutation } from './permutation.js';
import { TensorDataset } from './tensor-dataset.js';

export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** Visit the items in a new random order on every pass (default false: in index order). */
  shuffle?: boolean;
  /** Leave out the last batch when it would be smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /**
   * Seeds the shuffling: pass k (counting from 0) of a loader with this seed visits the same order on
   * every run and every backend. By default the seed is drawn from Kindling's default generator when
   * the loader is made, so `manualSeed` fixes it too.
   */
  seed?: number;
  /** Merges a list of items into a batch (default `defaultCollate`). */
  collate?: (items: T[]) => B;
}

/** A dataset whose batches can be gathered in one indexed copy: a TensorDataset, or subsets of one. */
interface Gatherable {
  tensors: TensorDataset;
  /** Maps the loader's indices to the TensorDataset's (through nested subsets), or undefined when they are the same. */
  mapIndex?: (index: number) => number;
}

function gatherable(dataset: Dataset<unknown>): Gatherable | undefined {
  if (dataset instanceof TensorDataset) return { tensors: dataset };
  if (!(dataset instanceof Subset)) return undefined;
  const inner = gatherable(dataset.dataset as Dataset<unknown>);
  if (inner === undefined) return undefined;
  const { indices } = dataset;
  const { mapIndex } = inner;
  return { tensors: inner.tensors, mapIndex: (index) => (mapIndex ? mapIndex(indices[index] as number) : (indices[index] as number)) };
}

/**
 * Batches of a dataset, as `torch.utils.data.DataLoader`: an async iterable, one pass over the
 * dataset per `for await`. Batches of a `TensorDataset` (or subsets of one, such as `randomSplit`
 * gives) are gathered with one `indexSelect` per tensor on the tensors' device; other datasets are
 * read item by item and merged by `collate`. The shuffled order is drawn on the host from Kindling's
 * seeded generator, so it is the same on every backend, and each pass draws a new one. A batch,
 * and what the loop computes from it, lives until the loader yields the batch after next (see the
 * iterator); the tensors each item was made of are freed once collated (tensors the dataset held
 * before are not).
 *
 * @example
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 0 });
 * for await (const [input, target] of loader) {
 *   const loss = F.crossEntropy(net.forward(input), target);
 *   optimizer.zeroGrad();
 *   loss.backward();
 *   await optimizer.step();
 * }
 */
export class DataLoader<T, B = Collated<T>> implements AsyncIterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly seed: number;
  private readonly collate: (items: T[]) => B;
  /** Set when no collate was given: a TensorDataset's batches may then be gathered in one copy. */
  private readonly collatesByDefault: boolean;
  private readonly generator: Generator;
  /** The steps of the passes over this loader: see the iterator. */
  private steps: StepScopes | undefined;

  constructor(
    readonly dataset: Dataset<T>,
    options: DataLoaderOptions<T, B> = {},
  ) {
    this.batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize <= 0) {
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${this.batchSize}`);
    }
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
      throw new RangeError(`DataLoader: seed must be a safe integer, got ${options.seed}`);
    }
    this.seed = options.seed ?? defaultGenerator.nextUint32();
    this.generator = new Generator(this.seed);
    this.collatesByDefault = options.collate === undefined;
    // Without a collate function, B is its default, Collated<T>: what defaultCollate returns.
    this.collate = options.collate ?? (defaultCollate as unknown as (items: T[]) => B);
    this.itemCount();
  }

  /**
   * The dataset's `length`, checked: a length that is not a count (negative, fractional, NaN,
   * missing) would give no batches without a word, and one past the Int32Array of indices a pass
   * draws would fail deep inside it. Read on every use, since a dataset may grow between passes.
   */
  private itemCount(): number {
    const items: unknown = this.dataset.length;
    if (typeof items === 'number' && items > MAX_ITEMS) {
      throw new RangeError(`DataLoader: the dataset's length ${items} is more items than a DataLoader indexes (at most ${MAX_ITEMS})`);
    }
    if (typeof items !== 'number' || !Number.isInteger(items) || items < 0) {
      throw new RangeError(`DataLoader: the dataset's length must be a non-negative integer (its number of items), got ${String(items)}`);
    }
    return items;
  }

  /** The number of batches in one pass. */
  get length(): number {
    const items = this.itemCount();
    return this.dropLast ? Math.floor(items / this.batchSize) : Math.ceil(items / this.batchSize);
  }

  /**
   * The dataset indices of each batch of the next pass, in order; iterating the loader uses the
   * same draw, so this is for a copy of the data elsewhere. Advances the shuffle like a pass does.
   */
  nextEpochIndices(): Int32Array[] {
    const items = this.itemCount();
    const order = this.shuffle ? permutation(items, this.generator) : Int32Array.from({ length: items }, (_, i) => i);
    return Array.from({ length: this.length }, (_, b) => order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, items)));
  }

  /**
   * One pass. Each batch starts a step: what the loop makes in a step (the batch included, and
   * anything computed from it that was not kept) is freed when the loader yields the batch after
   * next, so a loop with no `tidy` and no `dispose` runs in flat memory, while the step before the
   * current one can still be read. Ending the loop (`break` included) frees nothing; the next pass
   * frees the last steps of this one as it goes. The steps begin with the first pass's second
   * batch, so a loader read for one batch only holds nothing open.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<B, void, undefined> {
    const fast = this.collatesByDefault ? gatherable(this.dataset as Dataset<unknown>) : undefined;
    try {
      for (const [position, indices] of this.nextEpochIndices().entries()) {
        if (this.steps) this.steps.advance();
        else if (position > 0) this.steps = new StepScopes(FREED_BY_LOADER);
        if (fast) {
          const { tensors, mapIndex } = fast;
          yield tensors.gather(mapIndex ? Array.from(indices, mapIndex) : indices) as B;
        } else {
          // Tensors the items were made of are freed once collated; tensors the dataset already held are not.
          yield tidy(() => this.collate(Array.from(indices, (index) => this.dataset.get(index))));
        }
      }
    } finally {
      this.steps?.pause();
    }
  }
}

/** The most items a pass can visit: its order is an Int32Array of indices. */
const MAX_ITEMS = 2 ** 31 - 1;

const FREED_BY_LOADER =
  'when the DataLoader yielded the batch after next (what a loop over a DataLoader makes lives until then; keep() what should live longer)';
