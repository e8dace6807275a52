import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensor } from '../../src/index.js';
import { expectValues } from './harness.js';
import { size, unravel } from './reference.js';

/** A shape and a permutation of its dims. */
const shapeAndPermutation = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
  .chain((shape) => fc.tuple(fc.constant(shape), fc.shuffledSubarray(shape.map((_, d) => d), { minLength: shape.length, maxLength: shape.length })));

export function viewsPropertySuite(): void {
  describe('views (property)', () => {
    it('permute then reshape reads the elements a naive index computation gives', async () => {
      await fc.assert(
        fc.asyncProperty(shapeAndPermutation, fc.integer({ min: 0, max: 3 }), async ([shape, order], splitAt) => {
          const values = Array.from({ length: size(shape) }, (_, i) => i);
          const permutedShape = order.map((d) => shape[d] as number);
          const expected = values.map((_, i) => {
            const index = unravel(i, permutedShape);
            const source = new Array<number>(shape.length);
            order.forEach((d, k) => (source[d] = index[k] as number));
            return source.reduce((offset, idx, d) => offset * (shape[d] as number) + idx, 0);
          });
          const permuted = tensor(values, { shape }).permute(order);
          await expectValues(permuted, expected, { shape: permutedShape });
          const cut = Math.min(splitAt, permutedShape.length);
          const merged = [size(permutedShape.slice(0, cut)), size(permutedShape.slice(cut))];
          await expectValues(permuted.reshape(merged), expected, { shape: merged });
          await expectValues(permuted.flatten().unsqueeze(0).squeeze(0), expected);
        }),
        { numRuns: 60 },
      );
    });

    it('slicing with steps matches picking indices by hand', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 9 }), fc.integer({ min: -10, max: 10 }), fc.integer({ min: -10, max: 10 }), fc.integer({ min: 1, max: 3 }), async (n, start, end, step) => {
          const values = Array.from({ length: n }, (_, i) => i);
          const clampIndex = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
          const expected: number[] = [];
          for (let i = clampIndex(start); i < clampIndex(end); i += step) expected.push(i);
          await expectValues(tensor(values).slice(0, start, end, step), expected);
        }),
        { numRuns: 80 },
      );
    });
  });
}
