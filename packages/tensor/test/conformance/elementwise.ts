import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { erf as erfReference, erfc as erfcReference } from '../../src/backends/cpu/kernels/special-functions.js';
import { abs, add, cos, div, erf, erfc, exp, expm1, log, log1p, maximum, minimum, mul, neg, pow, relu, rsqrt, sigmoid, sin, sqrt, sub, tanh, tensor, where, type Tensor } from '../../src/index.js';
import { expectValues } from './harness.js';
import { broadcastRead, broadcastShape, size, unravel } from './reference.js';

const binaryReferences: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
  ['add', add, (x, y) => x + y],
  ['sub', sub, (x, y) => x - y],
  ['mul', mul, (x, y) => x * y],
  ['div', div, (x, y) => x / y],
  ['maximum', maximum, Math.max],
  ['minimum', minimum, Math.min],
];

const unaryReferences: [string, (a: Tensor) => Tensor, (x: number) => number][] = [
  ['neg', neg, (x) => -x],
  ['abs', abs, Math.abs],
  ['relu', relu, (x) => Math.max(0, x)],
  ['exp', exp, Math.exp],
  ['sigmoid', sigmoid, (x) => 1 / (1 + Math.exp(-x))],
  ['tanh', tanh, Math.tanh],
  ['sin', sin, Math.sin],
  ['cos', cos, Math.cos],
  ['erf', erf, erfReference],
  ['erfc', erfc, erfcReference],
  ['rsqrt', rsqrt, (x) => 1 / Math.sqrt(x)],
  ['expm1', expm1, Math.expm1],
  ['log1p', log1p, Math.log1p],
];

/** Two shapes that broadcast together: each dim of the second is the first's, 1, or missing. */
const broadcastablePair = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 })
  .chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }).chain((ones) =>
        fc.integer({ min: 0, max: shape.length }).map((drop) => shape.map((extent, d) => (ones[d] ? 1 : extent)).slice(drop)),
      ),
    ),
  )
  .chain(([a, b]) => fc.boolean().map((swap) => (swap ? [b, a] : [a, b]) as [number[], number[]]));

function valuesFor(shape: readonly number[], seed: number): number[] {
  return Array.from({ length: size(shape) }, (_, i) => Math.round(Math.sin(seed * 7 + i * 1.3) * 50) / 10 || 0.5);
}

export function elementwiseSuite(): void {
  describe('elementwise', () => {
    it.each(binaryReferences)('%s broadcasts like NumPy (property)', async (_name, op, reference) => {
      await fc.assert(
        fc.asyncProperty(broadcastablePair, fc.integer({ min: 0, max: 1000 }), async ([shapeA, shapeB], seed) => {
          const va = valuesFor(shapeA, seed);
          const vb = valuesFor(shapeB, seed + 1);
          const outShape = broadcastShape(shapeA, shapeB) as number[];
          const expected = Array.from({ length: size(outShape) }, (_, i) => {
            const index = unravel(i, outShape);
            return reference(broadcastRead(va, shapeA, outShape, index), broadcastRead(vb, shapeB, outShape, index));
          });
          await expectValues(op(tensor(va, { shape: shapeA }), tensor(vb, { shape: shapeB })), expected, { shape: outShape });
        }),
        { numRuns: 40 },
      );
    });

    it.each(unaryReferences)('%s matches Math', async (_name, op, reference) => {
      const values = [-2.5, -1, -0.25, 0, 0.5, 3];
      await expectValues(op(tensor(values)), values.map(reference));
    });

    it('keeps the relative precision of erf, erfc, expm1 and log1p near 0 and of erfc in its tail', async () => {
      const relative = async (t: Tensor, expected: number[]): Promise<void> => {
        const actual = Array.from(await t.data());
        actual.forEach((value, i) => expect(Math.abs(value / (expected[i] as number) - 1)).toBeLessThan(2e-6));
      };
      await relative(erf(tensor([1e-4, -3e-3, 0.49, 0.51])), [1e-4, -3e-3, 0.49, 0.51].map(erfReference));
      await relative(erfc(tensor([0.51, 2, 4, 6])), [0.51, 2, 4, 6].map(erfcReference));
      await relative(expm1(tensor([1e-6, -2e-4, 0.3, -0.49])), [1e-6, -2e-4, 0.3, -0.49].map(Math.expm1));
      await relative(log1p(tensor([1e-6, -2e-4, 0.3, -0.49])), [1e-6, -2e-4, 0.3, -0.49].map(Math.log1p));
      await expectValues(tensor([Infinity, -Infinity, -1, -2, 0]).log1p(), [Infinity, NaN, -Infinity, NaN, 0]);
      await expectValues(tensor([Infinity, -Infinity, 0]).expm1(), [Infinity, -1, 0]);
      await expectValues(tensor([Infinity, -Infinity, NaN]).erf(), [1, -1, NaN]);
      await expectValues(tensor([Infinity, -Infinity, 0]).erfc(), [0, 2, 1]);
      await expectValues(tensor([0, Infinity, -1]).rsqrt(), [Infinity, 0, NaN]);
      await expectValues(tensor([Infinity, NaN]).sin(), [NaN, NaN]);
      await expectValues(tensor([-Infinity]).cos(), [NaN]);
    });

    it('computes log, sqrt and pow', async () => {
      await expectValues(log(tensor([1, Math.E, 10])), [0, 1, Math.log(10)]);
      await expectValues(sqrt(tensor([4, 2, 0])), [2, Math.SQRT2, 0]);
      await expectValues(pow(tensor([2, 3]), 2), [4, 9]);
      await expectValues(pow(tensor([2, 4]), tensor([0.5, -1])), [Math.SQRT2, 0.25]);
      await expectValues(tensor([-1, 0, 2]).sign(), [-1, 0, 1]);
    });

    it('promotes dtypes as PyTorch does', async () => {
      const ints = tensor([1, 2, 3], { dtype: 'int32' });
      expect(ints.add(1).dtype).toBe('int32');
      expect(ints.add(0.5).dtype).toBe('float32');
      expect(ints.div(2).dtype).toBe('float32');
      await expectValues(ints.div(2), [0.5, 1, 1.5]);
      expect(ints.add(tensor([1, 1, 1])).dtype).toBe('float32');
      expect(tensor([true]).add(tensor([1], { dtype: 'int32' })).dtype).toBe('int32');
      expect(ints.exp().dtype).toBe('float32');
      await expectValues(tensor([2147483647], { dtype: 'int32' }).add(1), [-2147483648], { dtype: 'int32' });
    });

    it('compares, selects with where and clamps', async () => {
      const x = tensor([-2, 0, 3]);
      await expectValues(x.gt(0), [0, 0, 1], { dtype: 'bool' });
      await expectValues(x.le(0), [1, 1, 0]);
      await expectValues(x.eq(tensor([-2, 1, 3])), [1, 0, 1]);
      await expectValues(x.ne(0), [1, 0, 1]);
      await expectValues(x.lt(tensor([[0], [5]])), [1, 0, 0, 1, 1, 1], { shape: [2, 3] });
      await expectValues(x.ge(3), [0, 0, 1]);
      await expectValues(where(x.gt(0), x, tensor([[10], [20]])), [10, 10, 3, 20, 20, 3], { shape: [2, 3] });
      await expectValues(x.where(x.lt(0), 0), [-2, 0, 0]);
      await expectValues(x.clamp(-1, 1), [-1, 0, 1]);
      await expectValues(x.clamp(null, 0), [-2, 0, 0]);
      await expectValues(x.clamp(0), [0, 0, 3]);
      await expectValues(maximum(x, tensor([Number.NaN, 0, 0])), [Number.NaN, 0, 3]);
    });

    it('casts between dtypes', async () => {
      const x = tensor([-1.7, 0, 2.9]);
      await expectValues(x.int(), [-1, 0, 2], { dtype: 'int32' });
      await expectValues(x.bool(), [1, 0, 1], { dtype: 'bool' });
      await expectValues(x.int().float(), [-1, 0, 2], { dtype: 'float32' });
      expect(x.to('float32')).toBe(x);
      expect(x.to('int32').dtype).toBe('int32');
    });
  });
}
