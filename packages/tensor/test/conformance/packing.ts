import { describe, expect, it } from 'vitest';
import { canPackTensors, getBackend, matmul, memory, packTensors, StepRecorder, tensor, type Tensor } from '../../src/index.js';
import { expectValues } from './harness.js';

/*
 * packTensors: tensors moved into one flat storage as views of it. The tensor objects stay, keep
 * their values and go on working in every op; the old storages are freed.
 */
export function packingSuite(): void {
  describe('packing tensors into one storage', () => {
    const make = (): Tensor[] => [tensor([[1, 2, 3], [4, 5, 6]]), tensor([7, 8]), tensor(9), tensor([[10], [11]])];

    it('moves each tensor to its place in the flat tensor, values, shapes and ops unchanged', async () => {
      const parts = make();
      const storagesBefore = getBackend().liveStorageCount();
      const flat = packTensors(parts);
      await expectValues(flat, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(parts.map((t) => t.storage === flat.storage)).toEqual([true, true, true, true]);
      expect(parts.map((t) => t.offset)).toEqual([0, 6, 8, 9]);
      // Four storages freed, one made.
      expect(getBackend().liveStorageCount()).toBe(storagesBefore - 3);
      await expectValues(parts[0] as Tensor, [1, 2, 3, 4, 5, 6], { shape: [2, 3] });
      await expectValues(matmul(parts[0] as Tensor, tensor([[1], [0], [1]])), [4, 10]);
      await expectValues((parts[3] as Tensor).mul(2), [20, 22]);
      // A write through the flat tensor is seen by the views, and one through a view by the flat tensor.
      flat.fill_(3);
      await expectValues(parts[1] as Tensor, [3, 3]);
      (parts[2] as Tensor).copy_(tensor(-1));
      const element = flat.select(0, 8);
      await expectValues(element, [-1]);
      element.dispose();
      // The views and the flat tensor share one storage, freed with the last of them.
      const held = memory().numStorages;
      parts.forEach((t) => t.dispose());
      expect(memory().numStorages).toBe(held);
      flat.dispose();
      expect(memory().numStorages).toBe(held - 1);
    });

    it('packs tensors that are already views of one storage again, into a new one', async () => {
      const parts = make();
      const first = packTensors(parts);
      first.dispose();
      expect(canPackTensors(parts)).toBe(true);
      const second = packTensors(parts);
      expect(second.storage).not.toBe(first.storage);
      await expectValues(parts[3] as Tensor, [10, 11], { shape: [2, 1] });
      parts.forEach((t) => t.dispose());
      second.dispose();
    });

    it('refuses a tensor another view still reads, overlapping or strided tensors, mixed dtypes, and a step being captured', () => {
      const parts = make();
      const view = (parts[0] as Tensor).reshape([6]);
      expect(canPackTensors(parts)).toBe(false);
      expect(() => packTensors(parts)).toThrow(/not be held by any other tensor/);
      view.dispose();
      expect(canPackTensors(parts)).toBe(true);

      const base = tensor([1, 2, 3, 4]);
      const [low, high] = [base.narrow(0, 0, 3), base.narrow(0, 1, 3)];
      base.dispose();
      expect(canPackTensors([low as Tensor, high as Tensor])).toBe(false);
      const transposed = tensor([[1, 2], [3, 4]]).transpose(0, 1);
      expect(canPackTensors([transposed])).toBe(false);
      expect(canPackTensors([tensor([1]), tensor([1], { dtype: 'int32' })])).toBe(false);
      expect(canPackTensors([])).toBe(false);

      const recorder = StepRecorder.start([]);
      try {
        expect(canPackTensors(parts)).toBe(false);
      } finally {
        recorder.abandon();
      }
      [...parts, low as Tensor, high as Tensor, transposed].forEach((t) => t.dispose());
    });
  });
}
