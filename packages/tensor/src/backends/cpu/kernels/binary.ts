import { allocateTypedArray, dtypeOfTypedArray, isFloatingDType, type DType, type TypedArray } from '../../../dtype.js';
import type { BinaryOp, CompareOp } from '../../../kernel-names.js';
import { elementwiseMath } from '../../../ops/elementwise-ops.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import type { CpuBackend } from '../cpu-backend.js';
import { elementwiseLoop } from '../elementwise-codegen.js';
import { contiguousValues, emptyLike, type StridedInput, stridedInput } from '../strided.js';

/**
 * Elementwise `op` over `a` and `b`, which already share the output shape (broadcast inputs have
 * stride 0), by its declared math. int32 results wrap; bool results are `!= 0` (so add is "or"
 * and mul is "and").
 */
export function binaryImpl(op: BinaryOp, a: StridedInput, b: StridedInput, outDtype: DType = dtypeOfTypedArray(a.values)): TypedArray {
  const x = contiguousValues(a);
  const y = contiguousValues(b);
  const out = allocateTypedArray(outDtype, x.length);
  const domain = isFloatingDType(outDtype) ? 'float' : 'int';
  elementwiseLoop(elementwiseMath('binary', op), 2, domain, outDtype === 'bool', `binary '${op}'`)([x, y], out, x.length);
  return out;
}

/** Elementwise comparison of `a` and `b` (same shape), as bool (0/1 bytes); NaN compares unequal. */
export function compareImpl(op: CompareOp, a: StridedInput, b: StridedInput): Uint8Array {
  const x = contiguousValues(a);
  const y = contiguousValues(b);
  const out = new Uint8Array(x.length);
  const floating = x instanceof Float32Array || x instanceof Float64Array;
  elementwiseLoop(elementwiseMath('compare', op), 2, floating ? 'float' : 'int', true, `compare '${op}'`)([x, y], out, x.length);
  return out;
}

/** `condition ? a : b` elementwise; all three share the output shape, the result has `a`'s dtype. */
export function whereImpl(condition: StridedInput, a: StridedInput, b: StridedInput): TypedArray {
  const c = contiguousValues(condition);
  const x = contiguousValues(a);
  const y = contiguousValues(b);
  const n = c.length;
  const out = emptyLike(a.values, n);
  for (let i = 0; i < n; i++) out[i] = (c[i] !== 0 ? x[i] : y[i]) as number;
  return out;
}

export const binaryConfig: KernelConfig<'Binary', CpuBackend> = {
  kernelName: 'Binary',
  backendName: 'cpu',
  kernelFunc: (backend, { a, b, op }) => backend.adopt(binaryImpl(op, stridedInput(a), stridedInput(b), a.dtype)),
};

export const compareConfig: KernelConfig<'Compare', CpuBackend> = {
  kernelName: 'Compare',
  backendName: 'cpu',
  kernelFunc: (backend, { a, b, op }) => backend.adopt(compareImpl(op, stridedInput(a), stridedInput(b))),
};

export const whereConfig: KernelConfig<'Where', CpuBackend> = {
  kernelName: 'Where',
  backendName: 'cpu',
  kernelFunc: (backend, { condition, a, b }) =>
    backend.adopt(whereImpl(stridedInput(condition), stridedInput(a), stridedInput(b))),
};
