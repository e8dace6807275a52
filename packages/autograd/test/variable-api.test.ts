import { tensor, type Tensor } from '@kindling/tensor';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Variable } from '../src/index.js';

/*
 * Variable's methods come from @kindling/tensor's op declarations. The type check below names any
 * Tensor method that Variable lacks, except those that only make sense on plain tensors.
 */
type TensorOnly =
  // memory and storage internals, and synchronous reads of plain tensors
  | 'backend'
  | 'storage'
  | 'strides'
  | 'offset'
  | 'isKept'
  | 'keep'
  | 'origin'
  | 'serial'
  | 'free'
  | 'isDisposed'
  | 'assertUsable'
  | 'isContiguous'
  | 'dataSync'
  | 'arraySync'
  | 'itemSync'
  | 'array'
  | 'itemSync'
  // casts to dtypes that carry no gradient
  | 'bool'
  // in-place writes, which autograd does not record (write into v.data)
  | 'copy_'
  | 'fill_'
  | 'zero_';
type MissingOnVariable = Exclude<keyof Tensor, keyof Variable | TensorOnly>;

describe('Variable', () => {
  it('has every differentiable Tensor method', () => {
    expectTypeOf<MissingOnVariable>().toEqualTypeOf<never>();
  });

  it('mixes with Tensors on either side, giving a differentiable result', async () => {
    const w = new Variable(tensor([3, 4]), { requiresGrad: true });
    const x = tensor([1, 2]);
    const left = x.add(w);
    const right = w.mul(x);
    expectTypeOf(left).toEqualTypeOf<Variable>();
    expect(left).toBeInstanceOf(Variable);
    expect(Array.from(await left.data.data())).toEqual([4, 6]);
    left.add(right).sum().backward();
    expect(Array.from(await (w.grad as Tensor).data())).toEqual([2, 3]);
  });

  it('takes a Tensor input through matmul and keeps comparisons plain', () => {
    const weight = new Variable(tensor([[1], [2]]), { requiresGrad: true });
    const out = tensor([[1, 1]]).matmul(weight);
    expect(out).toBeInstanceOf(Variable);
    expect(out.requiresGrad).toBe(true);
    const mask = tensor([1, 5]).gt(new Variable(tensor([2, 2])));
    expect(mask.dtype).toBe('bool');
    expect(mask.arraySync()).toEqual([false, true]);
  });

  it('refuses operands that are neither a Variable, a Tensor nor a number, naming their type', () => {
    const v = new Variable(tensor([1, 2]), { requiresGrad: true });
    expect(() => v.add({ value: 1 } as never)).toThrow(/add: expected a Tensor, a number or a boolean operand, got an object/);
    expect(() => v.sub(undefined as never)).toThrow(/sub: .* got undefined/);
  });
});
