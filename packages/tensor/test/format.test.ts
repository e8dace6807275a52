import { describe, expect, it } from 'vitest';
import { arange, tensor, zeros } from '../src/index.js';

describe('toString', () => {
  it('prints like PyTorch', () => {
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(tensor([[1.5, 2], [3, -4]]).toString()).toBe('tensor([[ 1.5000,  2.0000],\n        [ 3.0000, -4.0000]])');
    expect(tensor([1, 2], { dtype: 'int32' }).toString()).toBe('tensor([1, 2])');
    expect(tensor([true, false]).toString()).toBe('tensor([ True, False])');
    expect(tensor(0.5).toString()).toBe('tensor(0.5000)');
    expect(tensor([1.5], { dtype: 'float64' }).toString()).toBe('tensor([1.5000], dtype=float64)');
    expect(zeros([0, 3]).toString()).toBe('tensor([], size=(0, 3))');
    expect(arange(8).reshape(2, 2, 2).toString()).toBe('tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])');
  });

  it('elides large tensors', () => {
    expect(arange(2000).toString()).toBe('tensor([   0,    1,    2, ..., 1997, 1998, 1999])');
    const lines = arange(4000).reshape(40, 100).toString().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[3]?.trim()).toBe('...,');
  });
});
