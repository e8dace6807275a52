import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argmax, logSoftmax, softmax, sum, tensor, zeros } from '../../src/index.js';
import { expectValues } from './harness.js';
import { referenceSum, size } from './reference.js';

const shapeAndDims = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
  .chain((shape) => fc.tuple(fc.constant(shape), fc.subarray(shape.map((_, d) => d), { minLength: 1 }), fc.boolean(), fc.boolean()));

export function reductionsSuite(): void {
  describe('reductions', () => {
    it('sum over any set of dims matches a naive reference, with negative dims and keepdim (property)', async () => {
      await fc.assert(
        fc.asyncProperty(shapeAndDims, async ([shape, dims, negative, keepdim]) => {
          const values = Array.from({ length: size(shape) }, (_, i) => (i % 7) - 3);
          const requested = negative ? dims.map((d) => d - shape.length) : dims;
          const result = sum(tensor(values, { shape }), requested, keepdim);
          const expectedShape = keepdim ? shape.map((e, d) => (dims.includes(d) ? 1 : e)) : shape.filter((_, d) => !dims.includes(d));
          await expectValues(result, referenceSum(values, shape, dims), { shape: expectedShape });
        }),
        { numRuns: 60 },
      );
    });

    it('sums, averages and finds extremes over all elements', async () => {
      const x = tensor([[1, -2, 3], [4, 5, -6]]);
      await expectValues(x.sum(), [5], { shape: [] });
      await expectValues(x.mean(), [5 / 6]);
      await expectValues(x.mean(1), [2 / 3, 1]);
      await expectValues(x.max(), [5]);
      await expectValues(x.min(), [-6]);
      await expectValues(x.argmax(), [4], { dtype: 'int32' });
      await expectValues(x.argmin(0, true), [0, 0, 1], { shape: [1, 3] });
      await expectValues(tensor([1, 2, 3], { dtype: 'int32' }).sum(), [6], { dtype: 'int32' });
      await expectValues(tensor([true, true, false]).sum(), [2], { dtype: 'int32' });
    });

    it('max(dim) and min(dim) return values and indices, ties going to the first index', async () => {
      const x = tensor([[3, 7, 7], [2, 2, 1]]);
      const { values, indices } = x.max(1);
      await expectValues(values, [7, 2], { shape: [2] });
      await expectValues(indices, [1, 0], { shape: [2], dtype: 'int32' });
      const lowest = x.min(-1, true);
      await expectValues(lowest.values, [3, 1], { shape: [2, 1] });
      await expectValues(lowest.indices, [0, 2], { shape: [2, 1] });
      await expectValues(argmax(tensor([5, 5, 5])), [0]);
    });

    it("reduces empty tensors as PyTorch does: empty results along a non-empty dim, sum's 0 and mean's NaN over an empty one", async () => {
      // torch.zeros(0, 5).max(1) -> values and indices of shape [0]; torch.zeros(5, 0).max(1) raises.
      const rows = zeros([0, 5]);
      const { values, indices } = rows.max(1);
      await expectValues(values, [], { shape: [0] });
      await expectValues(indices, [], { shape: [0], dtype: 'int32' });
      await expectValues(rows.min(1, true).values, [], { shape: [0, 1] });
      await expectValues(rows.argmax(1), [], { shape: [0], dtype: 'int32' });
      await expectValues(zeros([2, 0, 3]).argmin(2, true), [], { shape: [2, 0, 1], dtype: 'int32' });
      await expectValues(rows.sum(1), [], { shape: [0] });
      await expectValues(rows.mean(1), [], { shape: [0] });
      await expectValues(rows.sum(0), [0, 0, 0, 0, 0], { shape: [5] });
      await expectValues(rows.sum(), [0], { shape: [] });
      expect(Array.from(await rows.mean(0).data()).every(Number.isNaN)).toBe(true);
      expect(Number.isNaN((await rows.mean().data())[0])).toBe(true);
      const empty = 'cannot reduce an empty dimension (shape [0, 5]); the result would have no value';
      expect(() => rows.max(0)).toThrow(`max: ${empty}`);
      expect(() => rows.argmax(0)).toThrow(`argmax: ${empty}`);
      expect(() => rows.max()).toThrow(`max: ${empty}`);
      expect(() => rows.argmax()).toThrow('argmax: cannot take the argmax of an empty tensor (shape [0, 5]) without a dim; give the dim to reduce');
      expect(() => zeros([5, 0]).min(1)).toThrow('min: cannot reduce an empty dimension (shape [5, 0])');
    });

    it('softmax and logSoftmax are stable for large inputs', async () => {
      const x = tensor([[1000, 1001, 1002], [-1000, 0, 1000]]);
      const logs = [0, 1, 2].map((i) => i - 2 - Math.log(1 + Math.exp(-1) + Math.exp(-2)));
      await expectValues(logSoftmax(x, 1), [...logs, -2000, -1000, 0], { tolerance: 1e-5 });
      await expectValues(softmax(x, -1), [...logs.map(Math.exp), 0, 0, 1]);
      const columns = softmax(tensor([[1, 2], [3, 4]]), 0);
      await expectValues(columns.sum(0), [1, 1]);
      expect(Array.from(await logSoftmax(x, 1).data()).every(Number.isFinite)).toBe(true);
    });
  });
}
