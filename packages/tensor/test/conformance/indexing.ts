import { describe, expect, it } from 'vitest';
import { arange, cat, gather, getBackend, indexAdd, indexSelect, matmul, oneHot, scatterAdd, stack, tensor, zeros } from '../../src/index.js';
import { expectValues } from './harness.js';

const int = (values: number[], shape?: number[]) => tensor(values, { dtype: 'int32', ...(shape ? { shape } : {}) });

export function indexingSuite(): void {
  describe('indexing, joining and matmul', () => {
    it('gathers along a dim and scatters back', async () => {
      const x = tensor([[1, 2, 3], [4, 5, 6]]);
      const index = int([2, 0, 1, 1], [2, 2]);
      await expectValues(gather(x, 1, index), [3, 1, 5, 5], { shape: [2, 2] });
      await expectValues(x.gather(0, int([1, 0, 1], [1, 3])), [4, 2, 6]);
      await expectValues(scatterAdd(zeros([2, 3]), 1, index, tensor([[1, 1], [1, 1]])), [1, 0, 1, 0, 2, 0]);
    });

    it('selects and adds whole slices by index', async () => {
      const x = arange(6, undefined, 1, { dtype: 'float32' }).reshape(3, 2);
      await expectValues(indexSelect(x, 0, int([2, 0, 2])), [4, 5, 0, 1, 4, 5], { shape: [3, 2] });
      await expectValues(x.indexSelect(-1, int([1])), [1, 3, 5], { shape: [3, 1] });
      await expectValues(indexAdd(zeros([3, 2]), 0, int([2, 2]), tensor([[1, 2], [3, 4]])), [0, 0, 0, 0, 4, 6]);
    });

    it('selects and adds slices of strided views with a strided index', async () => {
      // x.T is [[0, 2, 4], [1, 3, 5]]; every other element of [1, 9, 0] is [1, 0].
      const x = arange(6, undefined, 1, { dtype: 'float32' }).reshape(3, 2);
      const everyOther = int([1, 9, 0]).slice(0, 0, 3, 2);
      await expectValues(x.T.indexSelect(0, everyOther), [1, 3, 5, 0, 2, 4], { shape: [2, 3] });
      await expectValues(zeros([3, 2]).T.indexAdd(1, everyOther, tensor([[1, 2], [3, 4]])), [2, 1, 0, 4, 3, 0], { shape: [2, 3] });
    });

    it('one-hot encodes class indices', async () => {
      await expectValues(oneHot(int([0, 2, 1]), 3), [1, 0, 0, 0, 0, 1, 0, 1, 0], { shape: [3, 3], dtype: 'int32' });
      // Inferring numClasses reads the indices, which only a synchronous backend can do during the call.
      if (getBackend().synchronous) await expectValues(oneHot(int([1, 0])), [0, 1, 1, 0], { shape: [2, 2] });
      else expect(() => oneHot(int([1, 0]))).toThrow(/numClasses must be given on the asynchronous backend/);
    });

    it('concatenates and stacks, promoting dtypes', async () => {
      const a = tensor([[1, 2]]);
      const b = tensor([[3, 4], [5, 6]]);
      await expectValues(cat([a, b]), [1, 2, 3, 4, 5, 6], { shape: [3, 2] });
      await expectValues(cat([b, b.transpose(0, 1)], 1), [3, 4, 3, 5, 5, 6, 4, 6], { shape: [2, 4] });
      await expectValues(stack([a.squeeze(), int([7, 8])], 1), [1, 7, 2, 8], { shape: [2, 2], dtype: 'float32' });
    });

    it('multiplies vectors, matrices and broadcast batches as torch.matmul', async () => {
      const v = tensor([1, 2]);
      const m = tensor([[1, 2], [3, 4]]);
      await expectValues(matmul(v, v), [5], { shape: [] });
      await expectValues(matmul(v, m), [7, 10], { shape: [2] });
      await expectValues(matmul(m, v), [5, 11], { shape: [2] });
      await expectValues(matmul(m, m), [7, 10, 15, 22], { shape: [2, 2] });
      const batch = arange(8, undefined, 1, { dtype: 'float32' }).reshape(2, 2, 2);
      await expectValues(matmul(batch, m), [3, 4, 11, 16, 19, 28, 27, 40], { shape: [2, 2, 2] });
      await expectValues(matmul(m.reshape(1, 1, 2, 2), batch), [4, 7, 8, 15, 16, 19, 36, 43], { shape: [1, 2, 2, 2] });
      await expectValues(matmul(int([1, 2, 3, 4], [2, 2]), int([1, 1], [2, 1])), [3, 7], { dtype: 'int32' });
    });
  });
}
