import { checkIndex, TensorDataset, type Dataset } from '@kindling/data';
import { fromValues, type Tensor } from '@kindling/tensor';
import { MNIST_NORMALIZATION } from './mnist-files.js';
import type { MnistFiles } from './sources.js';
import { readMnistSplits, type ReadMnistOptions } from './read-files.js';

export interface MnistLoadOptions extends ReadMnistOptions {
  /** The 60,000 training examples (default true), or the 10,000 test examples when false. */
  train?: boolean;
  /**
   * Normalise each pixel `x` in [0, 1] to `(x - mean) / std`, as torchvision's `Normalize`: true for
   * `MNIST_NORMALIZATION`, or your own `{ mean, std }` (default false: pixels stay in [0, 1]).
   */
  normalize?: boolean | { mean: number; std: number };
}

/** Every image as one tensor and every label as another: what `MNIST.tensors()` gives. */
export interface MnistTensors {
  /** float32 [n, 1, rows, cols]. */
  images: Tensor;
  /** int32 [n]. */
  labels: Tensor;
}

function normalization(option: MnistLoadOptions['normalize']): { mean: number; std: number } | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return MNIST_NORMALIZATION;
  const { mean, std } = option;
  if (!Number.isFinite(mean) || !Number.isFinite(std) || std <= 0) {
    throw new RangeError(`MNIST.load: normalize needs a finite mean and a positive, finite std, got mean ${mean} and std ${std}`);
  }
  return { mean, std };
}

/**
 * The float32 value of each pixel byte: byte / 255, then `(x - mean) / std`, each step rounded to
 * float32 as torchvision's ToTensor and Normalize compute it, so the pixels match PyTorch's.
 */
function pixelTable(norm: { mean: number; std: number } | undefined): Float32Array {
  return Float32Array.from({ length: 256 }, (_, byte) => {
    const scaled = Math.fround(byte / 255);
    return norm === undefined ? scaled : Math.fround(Math.fround(scaled - Math.fround(norm.mean)) / Math.fround(norm.std));
  });
}

/**
 * MNIST in torchvision's manner: a dataset of `[image, label]` items, each image a float32
 * [1, 28, 28] tensor in [0, 1] (normalised when asked) and each label a number from 0 to 9. The
 * pixels stay bytes on the host until an item or `tensors()` asks for them. The files come from the
 * first source that has them and are checked as `readDataSets` checks them (see the README).
 *
 * @example
 * const train = await MNIST.load({ train: true, normalize: true });
 * const [image, label] = train.get(0); // float32 [1, 28, 28], 5
 * const loader = new DataLoader(train.asTensorDataset(), { batchSize: 64, shuffle: true }); // batches gathered in one copy
 */
export class MNIST implements Dataset<[Tensor, number]> {
  readonly length: number;
  readonly rows: number;
  readonly cols: number;
  /** The raw pixels, `length * rows * cols` bytes in file order. */
  readonly pixels: Uint8Array;
  /** The raw labels, one byte per example in file order. */
  readonly labelValues: Uint8Array;
  /** The `{ mean, std }` the pixels are normalised with, or undefined when they stay in [0, 1]. */
  readonly normalization: { readonly mean: number; readonly std: number } | undefined;
  private readonly pixelValues: Float32Array;

  private constructor(
    readonly train: boolean,
    readonly files: MnistFiles,
    examples: { pixels: Uint8Array; labels: Uint8Array; rows: number; cols: number },
    norm: { mean: number; std: number } | undefined,
  ) {
    this.pixels = examples.pixels;
    this.labelValues = examples.labels;
    this.length = examples.labels.length;
    this.rows = examples.rows;
    this.cols = examples.cols;
    this.normalization = norm;
    this.pixelValues = pixelTable(norm);
  }

  /** Reads the training (default) or test split; see `MnistLoadOptions` and `readDataSets` for where the files come from. */
  static async load(options: MnistLoadOptions = {}): Promise<MNIST> {
    const norm = normalization(options.normalize);
    const split = (options.train ?? true) ? 'train' : 'test';
    const { files, examples } = await readMnistSplits(options, [split], 'MNIST.load');
    return new MNIST(split === 'train', files, examples[split], norm);
  }

  /** Example `index`: its image, float32 [1, rows, cols] on the default backend, and its label. */
  get(index: number): [Tensor, number] {
    checkIndex(index, this.length, 'MNIST.get');
    const size = this.rows * this.cols;
    return [fromValues(this.scale(this.pixels.subarray(index * size, (index + 1) * size)), [1, this.rows, this.cols]), this.labelValues[index] as number];
  }

  /** Every image, float32 [n, 1, rows, cols], and every label, int32 [n], on `device` (the default backend when omitted). */
  tensors(device?: string): MnistTensors {
    const images = fromValues(this.scale(this.pixels), [this.length, 1, this.rows, this.cols], device);
    return { images, labels: fromValues(Int32Array.from(this.labelValues), [this.length], device) };
  }

  /**
   * The set as a `TensorDataset` of `tensors(device)`, whose `DataLoader` batches are gathered in one
   * indexed copy on the device; the tensors are yours to free (`dataset.tensors`).
   */
  asTensorDataset(device?: string): TensorDataset<[Tensor, Tensor]> {
    const { images, labels } = this.tensors(device);
    return new TensorDataset(images, labels);
  }

  private scale(bytes: Uint8Array): Float32Array {
    const out = new Float32Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) out[i] = this.pixelValues[bytes[i] as number] as number;
    return out;
  }
}
