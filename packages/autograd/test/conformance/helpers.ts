import { findBackend, Generator, rand, type Tensor } from '@kindling/tensor';
import { expect } from 'vitest';
import { Variable, type GradcheckOptions } from '../../src/index.js';

/** Options of `Maker`: a uniform range and whether the Variable requires grad. */
export interface MakeOptions {
  min?: number;
  max?: number;
  requiresGrad?: boolean;
}

/** Builds float64 Variables with uniform values on the backend under test, from one seeded generator. */
export type Maker = (shape: number[], options?: MakeOptions) => Variable;

export function makerFor(device: string, seed: number): Maker {
  const generator = new Generator(seed);
  return (shape, { min = -1, max = 1, requiresGrad = true } = {}) => {
    const values = rand(shape, { dtype: 'float64', device, generator }).mul(max - min).add(min);
    return new Variable(values, { requiresGrad });
  };
}

/** One gradcheck case: the inputs it needs and the function whose gradients are checked. */
export interface GradCase {
  name: string;
  inputs: (make: Maker, device: string) => Variable[];
  fn: (...inputs: Variable[]) => Variable;
  /** gradcheck tolerances, where the default ones do not fit (a round trip through float32). */
  options?: GradcheckOptions;
}

/** The gradient as nested arrays, failing the test when it is missing (read asynchronously, so every backend can answer). */
export async function gradOf(v: Variable): Promise<unknown> {
  if (v.grad === null) throw new Error('expected a gradient, found null');
  return v.grad.array();
}

export async function values(t: Tensor | Variable): Promise<unknown> {
  return (t instanceof Variable ? t.data : t).array();
}

/** float64 where the backend has it (exact comparisons), float32 otherwise. */
export function floatDType(device: string): 'float64' | 'float32' {
  return findBackend(device).supportedDTypes.includes('float64') ? 'float64' : 'float32';
}

/** Flattens nested arrays of numbers. */
function flat(value: unknown): number[] {
  return Array.isArray(value) ? value.flatMap(flat) : [Number(value)];
}

/**
 * Asserts `v`'s gradient equals `expected` to float32 precision (5e-5, relative above magnitude 1),
 * so the assertion holds on every backend, GPUs with their own exp and log included.
 */
export async function expectGrad(v: Variable, expected: unknown): Promise<void> {
  const actual = await gradOf(v);
  expect(JSON.stringify(shapeOf(actual))).toBe(JSON.stringify(shapeOf(expected)));
  const want = flat(expected);
  flat(actual).forEach((x, i) => {
    const expectedValue = want[i] as number;
    expect(Math.abs(x - expectedValue), `element ${i}: got ${x}, want ${expectedValue}`).toBeLessThan(5e-5 * Math.max(1, Math.abs(expectedValue)));
  });
}

function shapeOf(value: unknown): number[] {
  return Array.isArray(value) ? [value.length, ...shapeOf(value[0])] : [];
}
