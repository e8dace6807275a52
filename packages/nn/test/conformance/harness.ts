import { Variable } from '@kindling/autograd';
import { setBackend, tensor, type DType, type Tensor } from '@kindling/tensor';
import { expect } from 'vitest';
import nnFixture from '../fixtures/nn.json' with { type: 'json' };

/** Every conformance suite starts by selecting the backend under test. */
export async function useBackend(name: string): Promise<void> {
  await setBackend(name);
}

/** JSON cannot hold NaN or infinities, so the fixtures spell them as strings. */
type FixtureValue = number | boolean | 'nan' | 'inf' | '-inf';

export interface TensorSpec {
  shape: number[];
  dtype: DType;
  values: FixtureValue[];
}

function toNumber(value: FixtureValue): number {
  if (value === 'nan') return NaN;
  if (value === 'inf') return Infinity;
  if (value === '-inf') return -Infinity;
  return Number(value);
}

/** A fixture tensor on the current backend. */
export function fromSpec(spec: TensorSpec): Tensor {
  return tensor(spec.values.map(toNumber), { dtype: spec.dtype, shape: spec.shape });
}

export function numbersOf(spec: TensorSpec): number[] {
  return spec.values.map(toNumber);
}

/**
 * The cases of `packages/nn/test/fixtures/<name>` (written by scripts/fixtures/generate_nn_fixtures.py),
 * imported as JSON rather than read from disk so that the suites also run in a browser.
 */
export function readFixture<T>(name: 'nn.json'): T {
  const fixtures: Record<typeof name, unknown> = { 'nn.json': nnFixture };
  return fixtures[name] as T;
}

/** Compares `t` (a Tensor or a Variable's data) with `expected` elementwise, relative to max(1, |expected|). */
export async function expectValues(
  t: Tensor | Variable | null,
  expected: readonly number[],
  options: { shape?: readonly number[]; dtype?: string; tolerance?: number } = {},
): Promise<void> {
  expect(t).not.toBeNull();
  const value = t instanceof Variable ? t.data : (t as Tensor);
  if (options.shape) expect(value.shape).toEqual(options.shape);
  if (options.dtype) expect(value.dtype).toBe(options.dtype);
  const actual = Array.from(await value.data(), Number);
  expect(actual.length).toBe(expected.length);
  const tolerance = options.tolerance ?? 1e-5;
  actual.forEach((got, i) => {
    const want = expected[i] as number;
    if (Number.isNaN(want)) expect(got, `element ${i}`).toBeNaN();
    else if (!Number.isFinite(want)) expect(got, `element ${i}`).toBe(want);
    else expect(Math.abs(got - want), `element ${i}: got ${got}, want ${want}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(want)));
  });
}

/** Compares with a fixture tensor, shape and dtype included. */
export async function expectSpec(t: Tensor | Variable | null, spec: TensorSpec, tolerance = 1e-5): Promise<void> {
  await expectValues(t, numbersOf(spec), { shape: spec.shape, dtype: spec.dtype, tolerance });
}
