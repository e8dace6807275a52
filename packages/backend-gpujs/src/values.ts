import type { DType, TypedArray } from '@kindling/tensor';
import type { DeviceHandle } from './gpujs.js';

/*
 * A storage's value is ready at once in the synchronous modes and a Promise in webgpu mode, whose
 * kernels answer asynchronously. Kernels are written once against ready values and chained with
 * `after`, which runs them immediately when nothing is pending, so the synchronous modes never
 * touch a Promise.
 */

/**
 * What a storage holds: the exact host array of its dtype (uploads, fills, cpu kernel results), or
 * a gpu.js result of float32 values whatever the dtype (a device handle, or a Float32Array in webasm
 * mode), which reads convert to the dtype's array.
 */
export type Resolved = TypedArray | DeviceHandle;

export type Pending<T> = T | Promise<T>;

/** `fn(value)`, now if `value` is ready, else once it resolves. */
export function after<T, U>(value: Pending<T>, fn: (ready: T) => Pending<U>): Pending<U> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

/** `fn(values)`, now if every value is ready, else once all resolve. */
export function afterAll<T, U>(values: readonly Pending<T>[], fn: (ready: T[]) => Pending<U>): Pending<U> {
  const ready: T[] = [];
  for (const value of values) {
    if (value instanceof Promise) return Promise.all(values).then(fn);
    ready.push(value);
  }
  return fn(ready);
}

// Host arrays converted for gpu.js, which reads every array argument as float32. Keyed weakly by
// the source array so a label tensor used every step is converted once.
const asFloats = new WeakMap<TypedArray, Float32Array>();

/** `values` as a Float32Array (itself when it already is one). Exact for integers up to 2^24. */
export function float32Of(values: TypedArray): Float32Array {
  if (values instanceof Float32Array) return values;
  let converted = asFloats.get(values);
  if (!converted) {
    converted = Float32Array.from(values);
    asFloats.set(values, converted);
  }
  return converted;
}

/**
 * `fn(value)` for cleanup: now if ready, else once resolved. A failed value needs no cleanup, and its
 * error belongs to whoever reads it, so it is not reported again here.
 */
export function finallyWith<T>(value: Pending<T>, fn: (ready: T) => void): void {
  if (value instanceof Promise) value.then(fn, () => undefined);
  else fn(value);
}

/** A zeroed host array of `dtype` (float64 never reaches this backend). */
export function allocate(dtype: DType, size: number): TypedArray {
  if (dtype === 'int32') return new Int32Array(size);
  if (dtype === 'bool') return new Uint8Array(size);
  return new Float32Array(size);
}
