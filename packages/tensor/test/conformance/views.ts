import { describe, expect, it } from 'vitest';
import { arange, tensor } from '../../src/index.js';
import { expectValues } from './harness.js';

export function viewsSuite(): void {
  describe('views', () => {
    it('reshape and view share storage with the original', async () => {
      const base = arange(6);
      const reshaped = base.reshape(2, 3);
      const viewed = base.view([3, -1]);
      expect(reshaped.storage).toBe(base.storage);
      expect(viewed.storage).toBe(base.storage);
      expect(viewed.shape).toEqual([3, 2]);
      await expectValues(reshaped, [0, 1, 2, 3, 4, 5], { shape: [2, 3] });
    });

    it('transpose and permute are strided views; contiguous copies them in order', async () => {
      const m = arange(6).reshape(2, 3);
      const t = m.transpose(0, 1);
      expect(t.storage).toBe(m.storage);
      expect(t.isContiguous()).toBe(false);
      expect(t.strides).toEqual([1, 3]);
      await expectValues(t, [0, 3, 1, 4, 2, 5], { shape: [3, 2] });
      const c = t.contiguous();
      expect(c.storage).not.toBe(m.storage);
      expect(c.isContiguous()).toBe(true);
      expect(m.contiguous()).toBe(m);
      const p = arange(24).reshape(2, 3, 4).permute(2, 0, 1);
      expect(p.shape).toEqual([4, 2, 3]);
      await expectValues(p.select(0, 1), [1, 5, 9, 13, 17, 21]);
      await expectValues(m.T, [0, 3, 1, 4, 2, 5], { shape: [3, 2] });
    });

    it('view refuses what needs a copy, and reshape then copies', async () => {
      const t = arange(6).reshape(2, 3).transpose(0, 1);
      expect(() => t.view(6)).toThrow(/cannot be viewed as \[6\] without a copy; use reshape\(\)/);
      const flatCopy = t.reshape(6);
      expect(flatCopy.storage).not.toBe(t.storage);
      await expectValues(flatCopy, [0, 3, 1, 4, 2, 5]);
      const transposed = arange(12).reshape(3, 4).transpose(0, 1);
      const split = transposed.reshape(4, 3, 1);
      expect(split.storage).toBe(transposed.storage);
      await expectValues(split, [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    });

    it('squeezes, unsqueezes, flattens and expands', async () => {
      const t = arange(3).reshape(1, 3, 1);
      expect(t.squeeze().shape).toEqual([3]);
      expect(t.squeeze(0).shape).toEqual([3, 1]);
      expect(t.squeeze(1).shape).toEqual([1, 3, 1]);
      expect(t.unsqueeze(-1).shape).toEqual([1, 3, 1, 1]);
      expect(arange(24).reshape(2, 3, 4).flatten(1).shape).toEqual([2, 12]);
      const e = tensor([[1], [2]]).expand(2, 3);
      expect(e.strides).toEqual([1, 0]);
      await expectValues(e, [1, 1, 1, 2, 2, 2], { shape: [2, 3] });
      await expectValues(tensor([1, 2]).expand([2, -1]), [1, 2, 1, 2], { shape: [2, 2] });
    });

    it('narrows, slices with steps and selects', async () => {
      const m = arange(12).reshape(3, 4);
      await expectValues(m.narrow(1, 1, 2), [1, 2, 5, 6, 9, 10], { shape: [3, 2] });
      await expectValues(m.slice(1, 0, undefined, 2), [0, 2, 4, 6, 8, 10], { shape: [3, 2] });
      await expectValues(m.slice(0, -2), [4, 5, 6, 7, 8, 9, 10, 11], { shape: [2, 4] });
      await expectValues(m.select(1, -1), [3, 7, 11], { shape: [3] });
      await expectValues(m.narrow(0, 1, 2).transpose(0, 1).contiguous(), [4, 8, 5, 9, 6, 10, 7, 11]);
    });

    it('computes on non-contiguous and broadcast views without copying them first', async () => {
      const m = arange(6, undefined, 1, { dtype: 'float32' }).reshape(2, 3);
      await expectValues(m.transpose(0, 1).add(tensor([10, 20])), [10, 23, 11, 24, 12, 25]);
      await expectValues(tensor([1, 2]).expand(3, 2).sum(0), [3, 6]);
      await expectValues(m.transpose(0, 1).matmul(m), [9, 12, 15, 12, 17, 22, 15, 22, 29], { shape: [3, 3] });
    });
  });
}
