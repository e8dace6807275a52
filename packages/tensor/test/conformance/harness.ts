import { expect } from 'vitest';
import { setBackend, type Tensor } from '../../src/index.js';

/** Every conformance suite starts by selecting the backend under test. */
export async function useBackend(name: string): Promise<void> {
  await setBackend(name);
}

export async function expectValues(t: Tensor, expected: readonly number[], options: { shape?: readonly number[]; dtype?: string; tolerance?: number } = {}): Promise<void> {
  if (options.shape) expect(t.shape).toEqual(options.shape);
  if (options.dtype) expect(t.dtype).toBe(options.dtype);
  const actual = Array.from(await t.data());
  expect(actual.length).toBe(expected.length);
  const tolerance = options.tolerance ?? 1e-5;
  actual.forEach((value, i) => {
    const want = expected[i] as number;
    if (Number.isNaN(want)) expect(value).toBeNaN();
    else if (!Number.isFinite(want)) expect(value).toBe(want);
    else expect(Math.abs(value - want)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(want)));
  });
}
