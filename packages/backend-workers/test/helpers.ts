import { findBackend, manualSeed, randn, type Tensor } from '@kindling/tensor';
import { expect } from 'vitest';
import { registerWorkersBackend, WorkersBackend } from '../src/index.js';

/** The registered `workers` backend, with every worker up so that large ops really split. */
export async function workersBackend(): Promise<WorkersBackend> {
  registerWorkersBackend();
  const backend = findBackend('workers');
  if (!(backend instanceof WorkersBackend)) throw new Error('the workers backend is not a WorkersBackend');
  await backend.ready();
  return backend;
}

/** A seeded random float32 tensor on cpu, and the same values on workers. */
export function pair(shape: readonly number[], seed: number): [Tensor, Tensor] {
  manualSeed(seed);
  const cpu = randn(shape, { device: 'cpu' });
  return [cpu, cpu.to('workers')];
}

/**
 * `actual` (on workers) holds `expected`'s (on cpu) shape, dtype and values: exactly, or within
 * `tolerance` relative to max(1, |expected|) for float results (NaN matching NaN).
 */
export function expectMatches(actual: Tensor, expected: Tensor, tolerance = 0): void {
  expect(actual.device).toBe('workers');
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  const got = actual.dataSync();
  const want = expected.dataSync();
  for (let i = 0; i < want.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    if (Number.isNaN(w)) {
      if (!Number.isNaN(g)) expect.fail(`element ${i}: got ${g}, expected NaN`);
    } else if (tolerance === 0 ? !Object.is(g, w) : !(Math.abs(g - w) <= tolerance * Math.max(1, Math.abs(w)))) {
      expect.fail(`element ${i}: got ${g}, expected ${w} (tolerance ${tolerance})`);
    }
  }
}

/** `actual` (on workers) is within `bound[i]` of `expected` (on cpu), elementwise. */
export function expectWithin(actual: Tensor, expected: Tensor, bound: Tensor): void {
  expect(actual.shape).toEqual(expected.shape);
  const got = actual.dataSync();
  const want = expected.dataSync();
  const limit = bound.dataSync();
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs((got[i] as number) - (want[i] as number));
    if (!(error <= (limit[i] as number))) expect.fail(`element ${i}: got ${got[i]}, expected ${want[i]} (error bound ${limit[i]})`);
  }
}
