import { defaultGenerator, fromValues, type Generator as RandomGenerator, type Tensor } from '@kindling/tensor';

/** One mini-batch gathered on the device: `images` [b, ...imageShape] and `labels` [b]. */
export interface DeviceBatch {
  images: Tensor;
  labels: Tensor;
}

/**
 * A dataset uploaded to a device once, whose mini-batches are gathered there (IndexSelect), so a
 * training step sends only the batch's indices (4 bytes per example) across the bus, never pixels.
 * Works on any backend; it pays off on `webgpu`.
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
    const index = fromValues(Int32Array.from(indices), [indices.length], this.images.device);
    try {
      return { images: this.images.indexSelect(0, index), labels: this.labels.indexSelect(0, index) };
    } finally {
      index.dispose();
    }
  }

  /** One epoch of batches of `batchSize`, in a random order from `generator` (the last batch may be smaller). */
  *batches(batchSize: number, generator: RandomGenerator = defaultGenerator): Generator<DeviceBatch> {
    const order = Int32Array.from({ length: this.numExamples }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = generator.integer(0, i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (let start = 0; start < order.length; start += batchSize) yield this.batch(order.subarray(start, start + batchSize));
  }

  /** Frees the device copies. */
  dispose(): void {
    this.images.dispose();
    this.labels.dispose();
  }
}
