import { describe, expect, it } from 'vitest';
import { arange, memory, ones, tensor, zeros } from '../../src/index.js';
import { expectValues } from './harness.js';

/** copy_, fill_ and zero_: writes into a tensor, or into a strided window of one, in place. */
export function inPlaceSuite(): void {
  describe('in-place writes', () => {
    it('fills, zeroes and copies in place, returning the same tensor and allocating nothing', async () => {
      const t = ones([2, 3]);
      const source = tensor([[1, 2, 3], [4, 5, 6]]);
      expect(t.fill_(2.5)).toBe(t);
      await expectValues(t, [2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
      expect(t.zero_()).toBe(t);
      await expectValues(t, [0, 0, 0, 0, 0, 0]);
      // Counted with no await between: the collector's finalizers, which free other tests' garbage, run only between tasks.
      const live = (): number[] => [memory().numTensors, memory().numStorages, memory().numBytes];
      const before = live();
      t.fill_(7).zero_().copy_(source);
      expect(live()).toEqual(before);
      await expectValues(t, [1, 2, 3, 4, 5, 6]);
    });

    it('broadcasts the source and converts its dtype, as torch.Tensor.copy_', async () => {
      const t = zeros([2, 3]);
      t.copy_(tensor([7, 8, 9]));
      await expectValues(t, [7, 8, 9, 7, 8, 9]);
      t.copy_(tensor([[1], [2]], { dtype: 'int32' }));
      await expectValues(t, [1, 1, 1, 2, 2, 2], { dtype: 'float32' });
      const ints = zeros([3], { dtype: 'int32' }).copy_(tensor([1.9, -1.9, 0.5]));
      await expectValues(ints, [1, -1, 0], { dtype: 'int32' });
    });

    it('writes through a view into the tensor it views: a column, a strided slice, a transposed block', async () => {
      const t = zeros([3, 4]);
      t.select(1, 2).fill_(5);
      t.slice(1, 0, 4, 3).narrow(0, 1, 2).copy_(tensor([[1, 2], [3, 4]]));
      await expectValues(t, [0, 0, 5, 0, 1, 0, 5, 2, 3, 0, 5, 4]);
      const square = zeros([2, 2]);
      square.transpose(0, 1).copy_(tensor([[1, 2], [3, 4]]));
      await expectValues(square, [1, 3, 2, 4]);
    });

    it('reads an overlapping source of the same storage before writing', async () => {
      const t = arange(0, 6).float();
      t.narrow(0, 1, 5).copy_(t.narrow(0, 0, 5));
      await expectValues(t, [0, 0, 1, 2, 3, 4]);
    });

    it('refuses an expanded target, a source that does not broadcast and a freed target, naming each', () => {
      expect(() => ones([1, 3]).expand(2, 3).fill_(1)).toThrow(/fill_: the tensor of shape \[2, 3\] is an expanded view whose elements share memory along dim 0/);
      expect(() => zeros([2, 3]).copy_(ones([2]))).toThrow(/copy_/);
      expect(() => zeros([2]).copy_(ones([3, 2]))).toThrow(/copy_: a source of shape \[3, 2\] cannot be broadcast to the target's shape \[2\]/);
      const freed = zeros([2]);
      freed.dispose();
      expect(() => freed.zero_()).toThrow(/zero_: the tensor of shape \[2\] made by 'Fill' was freed by dispose\(\)/);
    });
  });
}
