import { defaultGenerator, fromValues, type Generator, type Tensor } from '@kindling/tensor';

/** The ids of a text split as nanoGPT splits `shakespeare_char`: the first `trainFraction` for training, the rest for validation. */
export interface TextSplits {
  train: Int32Array;
  val: Int32Array;
}

/** nanoGPT's split: `train = data[:int(n * 0.9)]`, `val = data[int(n * 0.9):]` (views, no copy). */
export function splitTrainVal(ids: Int32Array, trainFraction = 0.9): TextSplits {
  if (!(trainFraction > 0 && trainFraction < 1)) throw new RangeError(`splitTrainVal: trainFraction must be between 0 and 1 (exclusive), got ${trainFraction}`);
  const cut = Math.floor(ids.length * trainFraction);
  return { train: ids.subarray(0, cut), val: ids.subarray(cut) };
}

export interface TextBatchOptions {
  /** Characters per example (nanoGPT's `block_size`). */
  blockSize: number;
  /** Examples per batch. */
  batchSize: number;
  /** Where the offsets come from (default: the default generator, which `manualSeed` seeds). */
  generator?: Generator;
  /** The backend the batches are made on (default: the current one). */
  device?: string;
}

/** One batch: `x` the inputs and `y` the next characters, both int32 [batchSize, blockSize]. */
export interface TextBatch {
  x: Tensor;
  y: Tensor;
  /** The offsets drawn: example `b` is `data[offsets[b] : offsets[b] + blockSize]`. */
  offsets: readonly number[];
}

/**
 * nanoGPT's `get_batch`: random offsets `i` into the ids, `x = data[i : i + blockSize]` and
 * `y = data[i + 1 : i + 1 + blockSize]`. The offsets are drawn on the host from a seeded
 * `Generator`, so a seed gives the same batches on every backend, and each batch is one upload of
 * its ids: the GPU never waits for data beyond that copy.
 */
export class TextBatchSampler {
  readonly blockSize: number;
  readonly batchSize: number;
  private readonly generator: Generator;
  private readonly device: string | undefined;

  constructor(
    readonly data: Int32Array,
    { blockSize, batchSize, generator = defaultGenerator, device }: TextBatchOptions,
  ) {
    for (const [name, value] of [['blockSize', blockSize], ['batchSize', batchSize]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`TextBatchSampler: ${name} must be a positive integer, got ${value}`);
    }
    if (data.length <= blockSize) {
      throw new RangeError(`TextBatchSampler: the text has ${data.length} characters, too few for examples of blockSize ${blockSize} and their next characters; use a longer text or a smaller blockSize`);
    }
    this.blockSize = blockSize;
    this.batchSize = batchSize;
    this.generator = generator;
    this.device = device;
  }

  /** The next random batch. */
  next(): TextBatch {
    const offsets = Array.from({ length: this.batchSize }, () => this.generator.integer(0, this.data.length - this.blockSize));
    return this.batchAt(offsets);
  }

  /** The batch whose examples start at `offsets` (nanoGPT's `ix`), for replaying a given batch. */
  batchAt(offsets: readonly number[]): TextBatch {
    const { blockSize } = this;
    const x = new Int32Array(offsets.length * blockSize);
    const y = new Int32Array(offsets.length * blockSize);
    offsets.forEach((offset, b) => {
      if (!Number.isInteger(offset) || offset < 0 || offset + blockSize >= this.data.length) {
        throw new RangeError(`TextBatchSampler.batchAt: offset ${offset} is outside 0 to ${this.data.length - blockSize - 1} for blockSize ${blockSize}`);
      }
      x.set(this.data.subarray(offset, offset + blockSize), b * blockSize);
      y.set(this.data.subarray(offset + 1, offset + 1 + blockSize), b * blockSize);
    });
    const shape = [offsets.length, blockSize];
    return { x: fromValues(x, shape, this.device), y: fromValues(y, shape, this.device), offsets: [...offsets] };
  }
}
