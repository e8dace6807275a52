import { allocateTypedArray, dtypeOfTypedArray, isFloatingDType, toInt32, type DType, type TypedArray } from '../../../dtype.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import type { CpuBackend } from '../cpu-backend.js';
import { contiguousValues, type StridedInput, stridedInput } from '../strided.js';

/** A fresh row-major copy of `x`'s elements (broadcast entries repeated). */
export function contiguousImpl(x: StridedInput): TypedArray {
  const values = contiguousValues(x);
  // contiguousValues may return a subarray of x's storage; kernels must return memory of their own.
  return values.buffer === x.values.buffer ? values.slice() : values;
}

/**
 * `x` converted to `dtype`: floats to int32 truncate toward zero (a `RangeError` for a value int32
 * cannot hold, never a wrapped one), anything to bool is `x != 0`.
 */
export function castImpl(x: StridedInput, dtype: DType): TypedArray {
  const source = contiguousValues(x);
  const size = source.length;
  const out = allocateTypedArray(dtype, size);
  if (dtype === 'bool') {
    for (let i = 0; i < size; i++) out[i] = source[i] !== 0 ? 1 : 0;
  } else if (dtype === 'int32' && isFloatingDType(dtypeOfTypedArray(source))) {
    for (let i = 0; i < size; i++) out[i] = toInt32(source[i] as number, 'cast');
  } else {
    out.set(source);
  }
  return out;
}

export const contiguousConfig: KernelConfig<'Contiguous', CpuBackend> = {
  kernelName: 'Contiguous',
  backendName: 'cpu',
  kernelFunc: (backend, { x }) => backend.adopt(contiguousImpl(stridedInput(x))),
};

export const castConfig: KernelConfig<'Cast', CpuBackend> = {
  kernelName: 'Cast',
  backendName: 'cpu',
  kernelFunc: (backend, { x, dtype }) => backend.adopt(castImpl(stridedInput(x), dtype)),
};
