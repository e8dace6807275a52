import { defaultGenerator, fromValues, type Generator as RandomGenerator, type Tensor } from '@kindling/tensor';
import { permutation } from './permutation.js';
import { checkedIndices } from './tensor-dataset.js';

/** One mini-batch gathered on the device: `images` [b, ...imageShape] and `labels` [b]. */
export interface DeviceBatch {
  images: Tensor;
  labels: Tensor;
}

/**
 * A dataset uploaded to a device once, whose mini-batches are gathered there (IndexSelect), so a
 * training step sends only the batch's indices (4 bytes per example) across the bus, never pixels.
 * Works on any backend (the default one unless `device` names another); it pays off on a GPU backend
 * such as `webgpu`, where the indices are checked on the host because a kernel cannot report them.
 *
 * @example
 * const data = DeviceDataset.upload(pixels, labels, [784], 'webgpu'); // pixels: Float32Array
 * for (const { images, labels } of data.batches(128)) { ... }
 */
export class DeviceDataset {
  readonly numExamples: number;

  private constructor(
    readonly images: Tensor,
    readonly labels: Tensor,
  ) {
    this.numExamples = labels.shape[0] as number;
  }

  /**
   * Uploads `images` (float32, one example after another, each of `imageShape`) and int32 `labels`
   * to `device` (the default backend when omitted).
   */
  static upload(images: Float32Array, labels: Int32Array, imageShape: readonly number[], device?: string): DeviceDataset {
    const perExample = imageShape.reduce((a, b) => a * b, 1);
    if (images.length !== labels.length * perExample) {
      throw new Error(`DeviceDataset.upload: ${labels.length} labels need ${labels.length * perExample} image values of shape [${imageShape.join(', ')}], got ${images.length}`);
    }
    return new DeviceDataset(fromValues(images, [labels.length, ...imageShape], device).keep(), fromValues(labels, [labels.length], device).keep());
  }

  /** The examples at `indices`, gathered on the device. */
  batch(indices: ArrayLike<number>): DeviceBatch {
    const checked = checkedIndices(indices, this.numExamples, 'DeviceDataset.batch');
    const index = fromValues(checked, [checked.length], this.images.device);
    try {
      return { images: this.images.indexSelect(0, index), labels: this.labels.indexSelect(0, index) };
    } finally {
      index.dispose();
    }
  }

  /** One epoch of batches of `batchSize`, in a random order from `generator` (the last batch may be smaller). */
  *batches(batchSize: number, generator: RandomGenerator = defaultGenerator): Generator<DeviceBatch> {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`DeviceDataset.batches: batchSize must be a positive integer, got ${batchSize}`);
    const order = permutation(this.numExamples, generator);
    for (let start = 0; start < order.length; start += batchSize) yield this.batch(order.subarray(start, start + batchSize));
  }

  /** Frees the device copies. */
  dispose(): void {
    this.images.dispose();
    this.labels.dispose();
  }
}
