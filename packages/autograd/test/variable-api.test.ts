import { inspect } from 'node:util';
import { tensor, type Tensor } from '@kindling/tensor';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Variable } from '../src/index.js';

/*
 * Variable's methods come from @kindling/tensor's op declarations. The type check below names any
 * Tensor method that Variable lacks, except those that only make sense on plain tensors.
 */
type TensorOnly =
  // memory and storage internals
  | 'backend'
  | 'storage'
  | 'strides'
  | 'offset'
  | 'isKept'
  | 'keep'
  | 'origin'
  | 'serial'
  | 'free'
  | 'rehome'
  | 'isDisposed'
  | 'assertUsable'
  | 'isContiguous'
  | 'describe'
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

describe("Variable's reads and printing", () => {
  it('reads as a Tensor reads, typed by dtype', async () => {
    const loss = new Variable(tensor([0.5, 1.5]), { requiresGrad: true }).mean();
    expectTypeOf(await loss.item()).toEqualTypeOf<number>();
    expectTypeOf(loss.itemSync()).toEqualTypeOf<number>();
    expect((await loss.item()).toFixed(1)).toBe('1.0');
    expect(loss.itemSync()).toBe(1);
    const v = new Variable(tensor([[1, 2], [3, 4]]));
    expect(v.numel()).toBe(4);
    expect(v.size()).toEqual([2, 2]);
    expect(v.size(-1)).toBe(2);
    expect(v.dim()).toBe(2);
    expect(v.tolistSync()).toEqual([[1, 2], [3, 4]]);
    expect(await v.tolist()).toEqual([[1, 2], [3, 4]]);
    expect(v.t().arraySync()).toEqual([[1, 3], [2, 4]]);
    expect(Array.from(v.dataSync())).toEqual([1, 2, 3, 4]);
    expect(await v.array()).toEqual([[1, 2], [3, 4]]);
  });

  it('has var and std with gradients (torch: d var / dx = 2 (x - mean) / (n - 1))', () => {
    const x = new Variable(tensor([1, 2, 4], { dtype: 'float64' }), { requiresGrad: true });
    const variance = x.var();
    expect(variance.itemSync()).toBeCloseTo(7 / 3, 12);
    variance.backward();
    const mean = 7 / 3;
    ((x.grad as Tensor).arraySync() as number[]).forEach((g, i) => expect(g).toBeCloseTo((2 * ([1, 2, 4][i]! - mean)) / 2, 12));
    expect(new Variable(tensor([[1, 2, 4], [3, 5, 9]])).std(1, { correction: 0 }).shape).toEqual([2]);
  });

  it('prints as PyTorch prints a tensor in autograd, in toString and console.log', () => {
    const leaf = new Variable(tensor([1, 2]), { requiresGrad: true });
    expect(inspect(leaf)).toBe('tensor([1., 2.], requires_grad=True)');
    expect(String(leaf.mul(2))).toBe('tensor([2., 4.], grad_fn=<MulBackward0>)');
    expect(inspect(new Variable(tensor([1.5])))).toBe('tensor([1.5000])');
  });
});
