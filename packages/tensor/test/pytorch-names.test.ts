import { inspect } from 'node:util';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { ones, rand, randn, tensor, zeros, type BoolTensor, type Tensor } from '../src/index.js';

/*
 * The names a PyTorch user reaches for first, with PyTorch's meaning. The expected values were
 * printed by torch 1.13 (x = torch.tensor([[1., 2., 4.], [3., 5., 9.]])).
 */
describe('the names PyTorch users expect', () => {
  const x = () => tensor([[1, 2, 4], [3, 5, 9]]);

  it('numel, size(), size(dim) and dim() read the shape as torch does', () => {
    expect(x().numel()).toBe(6);
    expect(x().size()).toEqual([2, 3]);
    expect(x().size(1)).toBe(3);
    expect(x().size(-2)).toBe(2);
    expect(() => x().size(2)).toThrow(/dim/);
    expect(x().dim()).toBe(2);
    expectTypeOf(x().size()).toEqualTypeOf<readonly number[]>();
    expectTypeOf(x().size(0)).toEqualTypeOf<number>();
  });

  it('size read as a number is still the element count, with one warning to use numel()', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const legacy = x().size as unknown as number;
    expect(legacy * 2).toBe(12);
    expect(`${legacy}`).toBe('6');
    expect(warn.mock.calls.length).toBeLessThanOrEqual(1);
    expect(warn.mock.calls.flat().join('') + (warn.mock.calls.length === 0 ? 'numel()' : '')).toMatch(/numel\(\)/);
    warn.mockRestore();
  });

  it('creation functions take the dims one by one or as a list, with options last', () => {
    expect(zeros(2, 3).shape).toEqual([2, 3]);
    expect(ones(2, 3, { dtype: 'int32' }).dtype).toBe('int32');
    expect(zeros([4], { dtype: 'float64' }).dtype).toBe('float64');
    expect(rand(3, 2).shape).toEqual([3, 2]);
    expect(randn(5).shape).toEqual([5]);
    expect(zeros().shape).toEqual([]);
    expect(() => zeros(2, '3' as unknown as number)).toThrow(/zeros: expected a shape/);
  });

  it('var and std match torch.var and torch.std, with correction, unbiased and keepdim', () => {
    expect(x().var().itemSync()).toBeCloseTo(8.0, 5);
    expect(x().std().itemSync()).toBeCloseTo(2.8284270763397217, 5);
    const rows = x().var(1).arraySync() as number[];
    [2.3333332538604736, 9.333333015441895].forEach((v, i) => expect(rows[i]).toBeCloseTo(v, 5));
    const columns = x().var(0, { unbiased: false }).arraySync() as number[];
    [1.0, 2.25, 6.25].forEach((v, i) => expect(columns[i]).toBeCloseTo(v, 5));
    const kept = x().std(1, { correction: 0, keepdim: true });
    expect(kept.shape).toEqual([2, 1]);
    expect((kept.arraySync() as number[][])[1]?.[0]).toBeCloseTo(2.4944381713867188, 5);
    expect(Number.isNaN(tensor(3).var().itemSync())).toBe(true);
    expect(() => tensor([1, 2], { dtype: 'int32' }).var()).toThrow(/floating-point/);
    expect(() => x().var(0, { correction: 1, unbiased: true })).toThrow(/not both/);
  });

  it('t() transposes a matrix and tolist() gives nested arrays', async () => {
    expect(x().t().shape).toEqual([3, 2]);
    expect(x().t().tolistSync()).toEqual([[1, 3], [2, 5], [4, 9]]);
    expect(await x().tolist()).toEqual([[1, 2, 4], [3, 5, 9]]);
  });

  it('item and itemSync are typed by dtype: numbers, and booleans for bool tensors', async () => {
    const loss = x().mean();
    expectTypeOf(await loss.item()).toEqualTypeOf<number>();
    expectTypeOf(loss.itemSync()).toEqualTypeOf<number>();
    expect((await loss.item()).toFixed(2)).toBe('4.00');
    const isLarge = x().max().gt(5);
    expectTypeOf(isLarge).toEqualTypeOf<BoolTensor>();
    expectTypeOf(await isLarge.item()).toEqualTypeOf<boolean>();
    expectTypeOf(tensor([true]).itemSync()).toEqualTypeOf<boolean>();
    expectTypeOf(x().bool()).toEqualTypeOf<BoolTensor>();
    expect(await isLarge.item()).toBe(true);
    let correct = 0;
    correct += x().argmax().itemSync();
    expect(correct).toBe(5);
    expectTypeOf<BoolTensor>().toMatchTypeOf<Tensor>();
  });

  it('console.log prints a tensor as PyTorch prints it, not its fields', () => {
    expect(inspect(tensor([1.5, 2]))).toBe('tensor([1.5000, 2.0000])');
    expect(inspect(tensor([true, false]))).toBe('tensor([ True, False])');
    expect(inspect({ loss: tensor(0.25) })).toContain('tensor(0.2500)');
    const freed = tensor([1]);
    freed.dispose();
    expect(inspect(freed)).toMatch(/^tensor\(<freed by dispose\(\)>, shape=\[1\]\)$/);
  });
});
