import { defaultGenerator, fromValues, Generator as RandomGenerator, type Tensor } from '@kindling/tensor';

/** A batch of examples: `images` float32 [b, rows*cols] in [0, 1], `labels` int32 [b]. */
export interface Batch {
  images: Tensor;
  labels: Tensor;
}

export interface DataSetOptions {
  /** Image height (default 28). */
  rows?: number;
  /** Image width (default 28). */
  cols?: number;
  /** Seeds this set's own shuffling generator; by default one is drawn from Kindling's default generator. */
  seed?: number;
}

export interface NextBatchOptions {
  /** Shuffle at the start of the first epoch and at each epoch's end (default true), as TensorFlow does. */
  shuffle?: boolean;
}

export interface BatchesOptions {
  /** Visit the examples in a fresh random order (default true). */
  shuffle?: boolean;
  /** Skip the last batch when it would be smaller than `batchSize` (default false). */
  dropLast?: boolean;
}

// Pixel byte -> float32 in [0, 1]; a table lookup per pixel is faster than a division, and exact.
const PIXEL_SCALE = Float32Array.from({ length: 256 }, (_, value) => value / 255);

/**
 * A set of images and labels, kept compactly as bytes (one per pixel, one per label) and turned into
 * float32 tensors only a batch at a time.
 *
 * @example
 * const { train } = await readDataSets();
 * const { images, labels } = train.nextBatch(100); // float32 [100, 784], int32 [100]
 */
export class DataSet {
  readonly numExamples: number;
  readonly rows: number;
  readonly cols: number;
  /** Pixels per image, `rows * cols`. */
  readonly imageSize: number;
  private readonly pixelBytes: Uint8Array;
  private readonly labelBytes: Uint8Array;
  private readonly generator: RandomGenerator;
  // next_batch's state: the current order of the examples, where the epoch is, how many have ended.
  private readonly order: Int32Array;
  private indexInEpoch = 0;
  private epochs = 0;

  /** `pixels` holds `labels.length` images of `rows * cols` bytes; both are used in place, not copied. */
  constructor(pixels: Uint8Array, labels: Uint8Array, options: DataSetOptions = {}) {
    this.rows = options.rows ?? 28;
    this.cols = options.cols ?? 28;
    this.imageSize = this.rows * this.cols;
    if (!Number.isInteger(this.imageSize) || this.imageSize <= 0) {
      throw new RangeError(`DataSet: images must have positive integer sizes, got ${this.rows}×${this.cols}`);
    }
    if (pixels.length !== labels.length * this.imageSize) {
      throw new RangeError(`DataSet: ${labels.length} labels need ${labels.length * this.imageSize} pixels (${this.rows}×${this.cols} each), got ${pixels.length}`);
    }
    this.numExamples = labels.length;
    this.pixelBytes = pixels;
    this.labelBytes = labels;
    this.generator = new RandomGenerator(options.seed ?? defaultGenerator.nextUint32());
    this.order = Int32Array.from({ length: this.numExamples }, (_, i) => i);
  }

  /** How many epochs `nextBatch` and `nextBatchIndices` have finished between them. */
  get epochsCompleted(): number {
    return this.epochs;
  }

  /** The raw pixels, `numExamples * imageSize` bytes in file order (a view, not a copy). */
  get pixels(): Uint8Array {
    return this.pixelBytes;
  }

  /** The raw labels, one byte per example in file order (a view, not a copy). */
  get labelValues(): Uint8Array {
    return this.labelBytes;
  }

  /** Every image in file order: float32 [numExamples, imageSize], scaled to [0, 1]. */
  images(): Tensor {
    return fromValues(this.scaledPixels(), [this.numExamples, this.imageSize]);
  }

  /**
   * Every pixel in file order as a float32 in [0, 1], `numExamples * imageSize` values on the host:
   * what `images()` holds, for uploading the whole set somewhere else (a device dataset, a worker).
   */
  scaledPixels(): Float32Array {
    const out = new Float32Array(this.pixelBytes.length);
    for (let i = 0; i < out.length; i++) out[i] = PIXEL_SCALE[this.pixelBytes[i] as number] as number;
    return out;
  }

  /** Every label in file order: int32 [numExamples]. */
  labels(): Tensor {
    return fromValues(Int32Array.from(this.labelBytes), [this.numExamples]);
  }

  /**
   * The next `batchSize` examples, with TensorFlow's `DataSet.next_batch` semantics: the order is
   * shuffled before the first batch and again whenever an epoch ends, and a batch that crosses the
   * end of an epoch is the rest of that epoch followed by the start of the next one.
   */
  nextBatch(batchSize: number, options: NextBatchOptions = {}): Batch {
    return this.gather(this.takeNextIndices(batchSize, options, 'nextBatch'));
  }

  /**
   * The indices (into file order) of the examples `nextBatch` would return, advancing the same
   * state: a set that is asked for indices and one asked for batches, seeded alike, visit the same
   * examples. For gathering the batch elsewhere, such as from a copy of the set on a GPU.
   *
   * @example
   * // DeviceDataset is @kindling/data's
   * const onDevice = DeviceDataset.upload(train.scaledPixels(), Int32Array.from(train.labelValues), [784]);
   * const { images, labels } = onDevice.batch(train.nextBatchIndices(128));
   */
  nextBatchIndices(batchSize: number, options: NextBatchOptions = {}): Int32Array {
    return this.takeNextIndices(batchSize, options, 'nextBatchIndices');
  }

  /**
   * One epoch in batches of `batchSize`, in a fresh random order unless `shuffle` is false. The last
   * batch is smaller when `batchSize` does not divide `numExamples`, unless `dropLast` is set.
   * Independent of `nextBatch`'s position.
   *
   * @example
   * for (const { images, labels } of train.batches(64)) { ... }
   */
  *batches(batchSize: number, options: BatchesOptions = {}): IterableIterator<Batch> {
    this.checkBatchSize(batchSize, 'batches');
    const order = Int32Array.from({ length: this.numExamples }, (_, i) => i);
    if (options.shuffle ?? true) this.shuffle(order);
    const end = options.dropLast ? this.numExamples - (this.numExamples % batchSize) : this.numExamples;
    for (let start = 0; start < end; start += batchSize) {
      yield this.gather(order.subarray(start, Math.min(start + batchSize, end)));
    }
  }

  /** next_batch itself, shared by `nextBatch` and `nextBatchIndices` (`method` names the caller in errors). */
  private takeNextIndices(batchSize: number, options: NextBatchOptions, method: string): Int32Array {
    this.checkBatchSize(batchSize, method);
    if (batchSize > this.numExamples) {
      throw new RangeError(`DataSet.${method}: batchSize ${batchSize} is larger than the ${this.numExamples} examples in the set`);
    }
    const shuffle = options.shuffle ?? true;
    const start = this.indexInEpoch;
    if (this.epochs === 0 && start === 0 && shuffle) this.shuffle(this.order);
    if (start + batchSize <= this.numExamples) {
      this.indexInEpoch = start + batchSize;
      // A copy: the next epoch's shuffle rewrites `order` in place.
      return this.order.slice(start, this.indexInEpoch);
    }
    // The epoch ends inside this batch: take its rest, reshuffle, and fill up from the new epoch.
    this.epochs++;
    const indices = new Int32Array(batchSize);
    const rest = this.numExamples - start;
    indices.set(this.order.subarray(start));
    if (shuffle) this.shuffle(this.order);
    this.indexInEpoch = batchSize - rest;
    indices.set(this.order.subarray(0, this.indexInEpoch), rest);
    return indices;
  }

  private checkBatchSize(batchSize: number, method: string): void {
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(`DataSet.${method}: batchSize must be a positive integer, got ${batchSize}`);
    }
  }

  /** Fisher-Yates on the set's own seeded generator. */
  private shuffle(order: Int32Array): void {
    for (let i = order.length - 1; i > 0; i--) {
      const j = this.generator.integer(0, i + 1);
      const swap = order[i] as number;
      order[i] = order[j] as number;
      order[j] = swap;
    }
  }

  private gather(indices: Int32Array): Batch {
    const size = this.imageSize;
    const images = new Float32Array(indices.length * size);
    const labels = new Int32Array(indices.length);
    for (let b = 0; b < indices.length; b++) {
      const example = indices[b] as number;
      const from = example * size;
      const to = b * size;
      for (let p = 0; p < size; p++) images[to + p] = PIXEL_SCALE[this.pixelBytes[from + p] as number] as number;
      labels[b] = this.labelBytes[example] as number;
    }
    return { images: fromValues(images, [indices.length, size]), labels: fromValues(labels, [indices.length]) };
  }
}
