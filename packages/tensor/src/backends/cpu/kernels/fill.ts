import type { DType, TypedArray } from '../../../dtype.js';
import { allocateTypedArray } from '../../../dtype.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import type { CpuBackend } from '../cpu-backend.js';

/** A fresh array of `size` copies of `value`, converted the way a cast to `dtype` converts. */
export function fillImpl(size: number, value: number, dtype: DType): TypedArray {
  const out = allocateTypedArray(dtype, size);
  // Uint8Array.fill(0.5) would store 0; bool means "nonzero", and NaN is nonzero.
  out.fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
  return out;
}

export const fillConfig: KernelConfig<'Fill', CpuBackend> = {
  kernelName: 'Fill',
  backendName: 'cpu',
  kernelFunc: (backend, { size, value, dtype }) => backend.adopt(fillImpl(size, value, dtype)),
};
