import { memory, tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { defaultCollate } from '../src/index.js';

describe('defaultCollate', () => {
  it('stacks tensors along a new first dim', () => {
    const batch = defaultCollate([tensor([1, 2]), tensor([3, 4]), tensor([5, 6])]);
    expect(batch.shape).toEqual([3, 2]);
    expect(batch.arraySync()).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('makes int32 of integers, float32 of other numbers, and bool of booleans', () => {
    const ints = defaultCollate([1, 7, -3]);
    expect([ints.dtype, Array.from(ints.dataSync())]).toEqual(['int32', [1, 7, -3]]);
    const floats = defaultCollate([1, 2.5]);
    expect([floats.dtype, Array.from(floats.dataSync())]).toEqual(['float32', [1, 2.5]]);
    const large = defaultCollate([2 ** 31, 0]);
    expect(large.dtype).toBe('float32');
    const flags = defaultCollate([true, false]);
    expect([flags.dtype, Array.from(flags.dataSync())]).toEqual(['bool', [1, 0]]);
  });

  it('collates tuples and records element by element, as torch', () => {
    const [x, y] = defaultCollate([
      [tensor([1, 2]), 0],
      [tensor([3, 4]), 1],
    ] as [ReturnType<typeof tensor>, number][]);
    expect(x.shape).toEqual([2, 2]);
    expect(Array.from(y.dataSync())).toEqual([0, 1]);
    const record = defaultCollate([
      { image: tensor([1]), meta: { id: 1, weight: 0.5 } },
      { image: tensor([2]), meta: { id: 2, weight: 1.5 } },
    ]);
    expect(record.image.arraySync()).toEqual([[1], [2]]);
    expect(Array.from(record.meta.id.dataSync())).toEqual([1, 2]);
    expect(record.meta.weight.dtype).toBe('float32');
  });

  it('says where items differ in structure, length or keys', () => {
    expect(() => defaultCollate([[1, 2], [1]])).toThrow('defaultCollate: item has 2 elements in item 0 but 1 in item 1; every item must have the same length');
    expect(() => defaultCollate([{ a: 1 }, { b: 1 }])).toThrow('defaultCollate: item has the keys {a} in item 0 but {b} in item 1; every item must have the same keys');
    expect(() => defaultCollate([{ a: 1 }, { a: tensor([1]) }])).toThrow('defaultCollate: item.a is a number in item 0 but a Tensor in item 1');
    expect(() => defaultCollate(['a', 'b'])).toThrow('defaultCollate: item is a string; it collates tensors, numbers, booleans');
    expect(() => defaultCollate([])).toThrow('defaultCollate: expected at least one item, got none');
  });

  it('allocates only the batch and leaves its inputs alive', () => {
    const items = [tensor([1]), tensor([2])];
    const before = memory().numStorages;
    const batch = defaultCollate(items);
    expect(memory().numStorages).toBe(before + 1);
    expect(items.every((item) => !item.isDisposed)).toBe(true);
    batch.dispose();
  });
});
