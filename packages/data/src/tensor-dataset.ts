import { formatShape, fromValues, tidy, type Tensor } from '@kindling/tensor';
import { checkIndex, type Dataset } from './dataset.js';

/** One row of each tensor: the item type of a `TensorDataset` of `T`, and the batch type (rows stacked). */
export type TensorRows<T extends readonly Tensor[]> = { -readonly [K in keyof T]: Tensor };

/**
 * Checks `indices` against a dataset of `length` items on the host, before they reach a device (a
 * GPU backend cannot report an index out of range during a kernel), and returns them as int32.
 */
export function checkedIndices(indices: ArrayLike<number>, length: number, where: string): Int32Array {
  for (let i = 0; i < indices.length; i++) checkIndex(indices[i] as number, length, `${where}: indices[${i}]`);
  return Int32Array.from(indices);
}

/**
 * Tensors that share their first dim, read a row of each at a time, as
 * `torch.utils.data.TensorDataset`: item `i` is `[t0[i], t1[i], ...]` (views, no copy). A
 * `DataLoader` gathers its batches with one `indexSelect` per tensor, on whatever device the
 * tensors are. The dataset reads the tensors it is given and never frees them.
 *
 * @example
 * const dataset = new TensorDataset(features, labels); // [n, 4] float32, [n] int32
 * const [x, y] = dataset.get(0); // [4] and []
 */
export class TensorDataset<T extends readonly Tensor[] = Tensor[]> implements Dataset<TensorRows<T>> {
  readonly tensors: T;
  readonly length: number;

  constructor(...tensors: T) {
    const first = tensors[0];
    if (first === undefined) throw new RangeError('TensorDataset: expected at least one tensor, got none');
    const scalar = tensors.findIndex((t) => t.ndim === 0);
    if (scalar !== -1) throw new RangeError(`TensorDataset: tensor ${scalar} is a scalar (shape []); each tensor needs a first dim to index`);
    const length = first.shape[0] as number;
    if (tensors.some((t) => t.shape[0] !== length)) {
      throw new RangeError(`TensorDataset: the tensors must have the same size in dim 0, got shapes ${tensors.map((t) => formatShape(t.shape)).join(', ')}`);
    }
    this.tensors = tensors;
    this.length = length;
  }

  /** Row `index` of every tensor (views that share the tensors' storage). */
  get(index: number): TensorRows<T> {
    checkIndex(index, this.length, 'TensorDataset.get');
    return this.tensors.map((t) => t.select(0, index)) as TensorRows<T>;
  }

  /**
   * The rows at `indices` of every tensor, stacked: one `indexSelect` along dim 0 per tensor, on the
   * tensors' device, with the indices checked on the host first.
   */
  gather(indices: ArrayLike<number>): TensorRows<T> {
    const checked = checkedIndices(indices, this.length, 'TensorDataset.gather');
    // tidy frees the index tensors, and the rows already gathered should a later tensor fail.
    return tidy(() => {
      const indexByDevice = new Map<string, Tensor>();
      return this.tensors.map((t) => {
        let index = indexByDevice.get(t.device);
        if (index === undefined) {
          index = fromValues(checked, [checked.length], t.device);
          indexByDevice.set(t.device, index);
        }
        return t.indexSelect(0, index);
      }) as TensorRows<T>;
    });
  }
}
