import { memory, tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { defaultCollate, TensorDataset } from '../src/index.js';

describe('TensorDataset', () => {
  const x = tensor([[1, 2], [3, 4], [5, 6], [7, 8]]);
  const y = tensor([0, 1, 2, 3], { dtype: 'int32' });
  const dataset = new TensorDataset(x, y);

  it('has one item per row of dim 0, each a tuple of rows', () => {
    expect(dataset.length).toBe(4);
    const [row, label] = dataset.get(2);
    expect(row.shape).toEqual([2]);
    expect(Array.from(row.dataSync())).toEqual([5, 6]);
    expect(label.shape).toEqual([]);
    expect(label.dtype).toBe('int32');
    expect(label.itemSync()).toBe(2);
  });

  it('refuses indices out of range, naming the dataset size', () => {
    expect(() => dataset.get(4)).toThrow('TensorDataset.get: index 4 is out of range for a dataset of 4 items (valid indices are 0 to 3)');
    expect(() => dataset.gather([0, 9])).toThrow('TensorDataset.gather: indices[1]: index 9 is out of range for a dataset of 4 items');
  });

  it('refuses tensors whose dim 0 differ, naming their shapes, and scalars and no tensors', () => {
    expect(() => new TensorDataset(x, tensor([0, 1, 2]))).toThrow('TensorDataset: the tensors must have the same size in dim 0, got shapes [4, 2], [3]');
    expect(() => new TensorDataset(x, tensor(1))).toThrow('TensorDataset: tensor 1 is a scalar (shape []); each tensor needs a first dim to index');
    expect(() => new TensorDataset()).toThrow('TensorDataset: expected at least one tensor, got none');
  });

  it('gathers the rows at the indices, equal to collating the items one by one', () => {
    const indices = [3, 0, 3, 1];
    const [xb, yb] = dataset.gather(indices);
    expect(xb.shape).toEqual([4, 2]);
    expect(xb.arraySync()).toEqual([[7, 8], [1, 2], [7, 8], [3, 4]]);
    expect(yb.dtype).toBe('int32');
    expect(Array.from(yb.dataSync())).toEqual([3, 0, 3, 1]);
    const [xc, yc] = defaultCollate(indices.map((i) => dataset.get(i)));
    expect(xb.arraySync()).toEqual(xc.arraySync());
    expect(yb.arraySync()).toEqual(yc.arraySync());
    expect(yb.dtype).toBe(yc.dtype);
    for (const t of [xb, yb, xc, yc]) t.dispose();
  });

  it('leaves only the gathered batch allocated (the index tensor is freed)', () => {
    const before = memory().numStorages;
    const batch = dataset.gather([1, 2]);
    expect(memory().numStorages).toBe(before + 2);
    for (const t of batch) t.dispose();
    expect(memory().numStorages).toBe(before);
  });
});
