import { describe, expect, it } from 'vitest';
import { add, BackendUnavailableError, cat, full, gather, getBackend, matmul, ones, setBackend, tensor, zeros } from '../../src/index.js';

export function errorsSuite(backendName: string): void {
  describe('errors a person can act on', () => {
    it('names both shapes when broadcasting fails', () => {
      expect(() => add(ones([2, 3]), ones([4]))).toThrow('add: shapes [2, 3] and [4] cannot be broadcast together (dim -1: 3 vs 4)');
    });

    it('names both shapes and the mismatch in matmul', () => {
      expect(() => matmul(zeros([128, 784]), zeros([512, 10]))).toThrow('matmul: cannot multiply [128, 784] by [512, 10] (784 != 512)');
    });

    it('names a bad dim and the rank', () => {
      expect(() => ones([2, 3]).sum(2)).toThrow('sum: dim 2 is out of range for a tensor of rank 2 (expected an integer in [-2, 1])');
      expect(() => ones([2, 3]).softmax(-3)).toThrow(/softmax: dim -3 is out of range for a tensor of rank 2/);
      expect(() => cat([ones([2, 3]), ones([2, 4])], 0)).toThrow('cat: tensor 1 has shape [2, 4], which does not match tensor 0\'s [2, 3] outside dim 0');
    });

    it('refuses numbers that int32 cannot hold instead of wrapping them', async () => {
      expect(() => tensor([3e9], { dtype: 'int32' })).toThrow(new RangeError('tensor: 3000000000 does not fit int32 (integers from -2147483648 to 2147483647); use a float32 or float64 tensor for it'));
      expect(() => tensor([1, -2147483649], { dtype: 'int32' })).toThrow('tensor: -2147483649 does not fit int32');
      expect(() => tensor([Infinity], { dtype: 'int32' })).toThrow('tensor: Infinity does not fit int32');
      expect(() => full([2], 2 ** 31, { dtype: 'int32' })).toThrow('full: 2147483648 does not fit int32');
      expect(Array.from(await tensor([2147483647, -2147483648, 2.9], { dtype: 'int32' }).data())).toEqual([2147483647, -2147483648, 2]);
    });

    it('refuses mismatched data and shapes', () => {
      expect(() => tensor([[1, 2], [3]])).toThrow(/data is ragged: data\[1\] has length 1 where length 2 was expected/);
      expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow('tensor: shape [2, 2] holds 4 elements but the data has 3');
      expect(() => ones([6]).view(4, -1)).toThrow('view: shape [4, -1] is invalid for a tensor of shape [6] (6 elements)');
    });

    it('checks index dtypes and ranges', async () => {
      expect(() => gather(ones([2, 2]), 1, tensor([[0, 1], [1, 0]]))).toThrow('gather: index must be an int32 tensor, got float32; convert it with index.int()');
      const outOfRange = () => gather(ones([2, 2]), 1, tensor([[0, 2], [1, 0]], { dtype: 'int32' }));
      if (getBackend().synchronous) {
        expect(outOfRange).toThrow('gather: index 2 is out of range for dim 1 of size 2 (valid: 0 to 1)');
      } else {
        // An asynchronous backend cannot read the indices during the call; its kernel marks the bad one with NaN instead.
        expect(Array.from(await outOfRange().data())).toEqual([1, NaN, 1, 1]);
      }
    });

    it('rejects reading a multi-element tensor as a number, and using a disposed tensor', async () => {
      await expect(ones([2]).item()).rejects.toThrow('item: only a one-element tensor can be read as a number, but this one has shape [2]');
      const t = ones([2, 2]);
      t.dispose();
      expect(() => t.add(1)).toThrow("add: the tensor of shape [2, 2] made by 'Fill' was freed by dispose()");
    });

    it('names the dtype and the backend for an unsupported dtype, and explains unknown backends', async () => {
      expect(() => ones([2]).mean(0).int().mean()).toThrow('mean: needs a floating-point tensor, got int32; convert it with t.float() first');
      await expect(setBackend('no-such-backend')).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(setBackend('no-such-backend')).rejects.toThrow(/backend 'no-such-backend' is unavailable: no backend of that name is registered/);
      await setBackend(backendName);
    });
  });
}
