import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/index.js';
import { useBackend } from './harness.js';

/**
 * Integer sums and float-to-int32 casts never wrap: the backends that compute them with the cpu
 * kernels (exactly, in float64) throw a `RangeError` naming the op and the value instead.
 * `webgpu` computes both on the GPU in 32 bits and does not run this suite (see the tensor README).
 */
export function describeIntegerRange(backendName: string): void {
  describe(`int32 results that do not fit on '${backendName}'`, () => {
    it('refuses an int32 sum that int32 cannot hold, and gives the exact sum when it fits', async () => {
      await useBackend(backendName);
      const overflowing = tensor([2147483647, 1], { dtype: 'int32' });
      expect(() => overflowing.sum()).toThrow(
        new RangeError('sum: the integer sum 2147483648 does not fit int32 (-2147483648 to 2147483647); sum a float64 copy instead: t.double().sum()'),
      );
      expect(() => tensor([[2147483647, 0], [1, 0]], { dtype: 'int32' }).sum(0)).toThrow('sum: the integer sum 2147483648 does not fit int32');
      expect(await tensor([2147483647, 1, -2], { dtype: 'int32' }).sum().item()).toBe(2147483646);
      expect(await tensor([true, true, false]).sum().item()).toBe(2);
    });

    it('refuses to cast a float that int32 cannot hold', async () => {
      await useBackend(backendName);
      expect(() => tensor([1, 3e9]).int()).toThrow(new RangeError('cast: 3000000000 does not fit int32 (integers from -2147483648 to 2147483647); use a float32 or float64 tensor for it'));
      expect(() => tensor([NaN]).int()).toThrow('cast: NaN does not fit int32');
      expect(Array.from(await tensor([-2.5, 2.5]).int().data())).toEqual([-2, 2]);
    });
  });
}
