import { describe, expect, it } from 'vitest';
import { arange, eye, full, linspace, manualSeed, ones, onesLike, rand, randint, randn, randperm, tensor, zeros, zerosLike } from '../../src/index.js';
import { expectValues } from './harness.js';

export function creationSuite(backendName: string): void {
  describe('creation', () => {
    it('builds tensors from nested arrays, typed arrays and scalars', async () => {
      const nested = tensor([[1, 2, 3], [4, 5, 6]]);
      expect(nested.shape).toEqual([2, 3]);
      expect(nested.dtype).toBe('float32');
      expect(nested.device).toBe(backendName);
      expect(nested.numel()).toBe(6);
      expect(nested.ndim).toBe(2);
      await expectValues(nested, [1, 2, 3, 4, 5, 6]);
      await expectValues(tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] }), [1, 2, 3, 4], { shape: [2, 2], dtype: 'int32' });
      await expectValues(tensor([true, false]), [1, 0], { dtype: 'bool' });
      await expectValues(tensor(2.5), [2.5], { shape: [] });
      await expectValues(tensor([1.7, -1.7], { dtype: 'int32' }), [1, -1], { dtype: 'int32' });
      expect(await tensor([[1, 2]]).array()).toEqual([[1, 2]]);
      expect(await tensor([true]).array()).toEqual([true]);
      expect(await tensor(3).item()).toBe(3);
    });

    it('fills with zeros, ones and a value, and copies shape and dtype in the *Like forms', async () => {
      await expectValues(zeros([2, 2]), [0, 0, 0, 0], { shape: [2, 2], dtype: 'float32' });
      await expectValues(ones([3], { dtype: 'int32' }), [1, 1, 1], { dtype: 'int32' });
      await expectValues(full([2], 7), [7, 7]);
      const base = tensor(new Int32Array([1, 2, 3]));
      await expectValues(zerosLike(base), [0, 0, 0], { shape: [3], dtype: 'int32' });
      await expectValues(onesLike(base, { dtype: 'float32' }), [1, 1, 1], { dtype: 'float32' });
    });

    it('makes ranges, linspace and identity matrices', async () => {
      await expectValues(arange(5), [0, 1, 2, 3, 4], { dtype: 'int32' });
      await expectValues(arange(1, 2, 0.25), [1, 1.25, 1.5, 1.75], { dtype: 'float32' });
      await expectValues(arange(5, 0, -2), [5, 3, 1]);
      await expectValues(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
      await expectValues(eye(2, 3), [1, 0, 0, 0, 1, 0], { shape: [2, 3] });
    });

    it('draws the same random numbers for the same seed', async () => {
      manualSeed(42);
      const first = Array.from(await randn([100]).data());
      const uniform = Array.from(await rand([100]).data());
      manualSeed(42);
      expect(Array.from(await randn([100]).data())).toEqual(first);
      expect(Array.from(await rand([100]).data())).toEqual(uniform);
      expect(uniform.every((u) => u >= 0 && u < 1)).toBe(true);
      const mean = first.reduce((a, b) => a + b, 0) / first.length;
      expect(Math.abs(mean)).toBeLessThan(0.4);
    });

    it('draws integers in range and permutations', async () => {
      manualSeed(1);
      const ints = Array.from(await randint(3, 7, [200]).data());
      expect(ints.every((v) => v >= 3 && v < 7 && Number.isInteger(v))).toBe(true);
      expect(new Set(ints).size).toBe(4);
      const perm = Array.from(await randperm(50).data());
      expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(perm).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    });
  });
}
