import { fromValues, tensor, triu, full, type Tensor } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { erf as erfFloat64 } from '../../tensor/src/backends/cpu/kernels/special-functions.js';
import { expectMatches, pair, workersBackend } from './helpers.js';

/*
 * The float32 vector kernels (assembly/vector-math.ts), which are not bit for bit the cpu kernel's
 * float64 functions: their error against float64 over whole ranges, their special values, and
 * softmax's masked rows, tails and thread splits.
 */

/** The largest |actual / expected − 1| (an expected ±0 must be the same zero), failing on a NaN mismatch. */
function worstRelative(actual: Tensor, expected: readonly number[]): number {
  const got = actual.dataSync();
  let worst = 0;
  expected.forEach((want, i) => {
    const value = got[i] as number;
    if (Number.isNaN(want) !== Number.isNaN(value)) expect.fail(`element ${i}: got ${value}, expected ${want}`);
    if (want === 0) expect(value).toBe(want);
    else if (!Number.isNaN(want)) worst = Math.max(worst, Math.abs(value / want - 1));
  });
  return worst;
}

describe('workers float32 vector math', () => {
  beforeAll(async () => {
    await workersBackend();
  });

  it('gives erf within 2.5e-7 relative of the float64 function over [-6, 6], split across threads', () => {
    const count = 300_001;
    const values = Float32Array.from({ length: count }, (_, i) => -6 + (12 * i) / (count - 1));
    const expected = Array.from(values, (x) => Math.fround(erfFloat64(x)));
    expect(worstRelative(fromValues(values, [count], 'workers').erf(), expected)).toBeLessThan(2.5e-7);
  });

  it('keeps erf odd and exact at its special values, in the vector lanes and the scalar tail', () => {
    const specials = [0, -0, 1e-30, -3e-8, 1, -1, 3.99, 4, 4.5, Infinity, -Infinity, Number.NaN];
    const x = tensor(specials, { device: 'workers' }).erf();
    const got = Array.from(x.dataSync());
    expect(Object.is(got[1], -0)).toBe(true);
    expect(got.slice(6, 11)).toEqual([1, 1, 1, 1, -1]);
    expect(got[11]).toBeNaN();
    expect(worstRelative(x, specials.map((v) => Math.fround(erfFloat64(Math.fround(v)))))).toBeLessThan(2.5e-7);
    // A subnormal input keeps a subnormal result of its sign (its few digits make a relative bound meaningless).
    expect(tensor([1e-40, -1e-40], { device: 'workers' }).erf().dataSync()[1]).toBeLessThan(0);
  });

  for (const [rows, run] of [
    [3, 1],
    [37, 67],
    [2048, 64],
  ] as const) {
    it(`gives softmax and log-softmax of ${rows} rows of ${run} as the cpu kernel`, () => {
      const [a, x] = pair([rows, run], rows + run);
      const [scaledA, scaledX] = [a.mul(30), x.mul(30)];
      expectMatches(scaledX.softmax(1), scaledA.softmax(1), 1e-6);
      expectMatches(scaledX.logSoftmax(-1), scaledA.logSoftmax(-1), 1e-6);
    });
  }

  it('gives a causal mask 0 exactly where it is -Infinity, and NaN for a row masked whole', () => {
    const size = 9;
    const [a, x] = pair([size, size], 5);
    const mask = triu(full([size, size], -Infinity, { device: 'cpu' }), 1);
    const [maskedA, maskedX] = [a.add(mask), x.add(mask.to('workers'))];
    const probabilities = maskedX.softmax(-1);
    expectMatches(probabilities, maskedA.softmax(-1), 1e-6);
    expect(Array.from(probabilities.dataSync().slice(0, size))).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const allMasked = full([2, 5], -Infinity, { device: 'workers' });
    expect(Array.from(allMasked.softmax(1).dataSync()).every(Number.isNaN)).toBe(true);
  });

  it('keeps the digits of a log-softmax near 0 beside large logits', () => {
    const x = tensor([[1000, 990, 1000.5]], { device: 'workers' });
    const cpu = tensor([[1000, 990, 1000.5]], { device: 'cpu' });
    expectMatches(x.logSoftmax(1), cpu.logSoftmax(1), 1e-6);
  });

  it('runs softmax along other dims and over transposed views on the cpu kernel, with the same values', () => {
    const [a, x] = pair([6, 7, 5], 9);
    expectMatches(x.softmax(1), a.softmax(1));
    expectMatches(x.transpose(1, 2).softmax(-1), a.transpose(1, 2).softmax(-1));
  });
});
