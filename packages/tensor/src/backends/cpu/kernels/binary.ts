import { allocateTypedArray, dtypeOfTypedArray, type DType, type TypedArray } from '../../../dtype.js';
import type { BinaryOp, CompareOp } from '../../../kernel-names.js';
import { assertNever } from '../../../ops/elementwise-ops.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import type { CpuBackend } from '../cpu-backend.js';
import { contiguousValues, emptyLike, type StridedInput, stridedInput } from '../strided.js';

/** `base ** exponent` with int32 wraparound, by repeated squaring (Math.pow loses bits past 2^53). */
export function intPow(base: number, exponent: number): number {
  if (exponent < 0) {
    // What truncating Math.pow gives: only ±1 survive a negative power.
    if (base === 1) return 1;
    if (base === -1) return exponent % 2 === 0 ? 1 : -1;
    return 0;
  }
  let result = 1;
  let square = base | 0;
  for (let e = exponent; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) result = Math.imul(result, square);
    square = Math.imul(square, square);
  }
  return result;
}

/**
 * Elementwise `op` over `a` and `b`, which already share the output shape (broadcast inputs have
 * stride 0). int32 results wrap; bool results are `!= 0` (so add is "or" and mul is "and").
 */
export function binaryImpl(op: BinaryOp, a: StridedInput, b: StridedInput, outDtype: DType = dtypeOfTypedArray(a.values)): TypedArray {
  const x = contiguousValues(a);
  const y = contiguousValues(b);
  const n = x.length;
  const out = allocateTypedArray(outDtype, n);
  const integer = outDtype === 'int32';
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = (x[i] as number) + (y[i] as number);
      break;
    case 'sub':
      for (let i = 0; i < n; i++) out[i] = (x[i] as number) - (y[i] as number);
      break;
    case 'mul':
      // A float64 product of two int32s can exceed 2^53 and lose the low bits that wrapping keeps.
      if (integer) for (let i = 0; i < n; i++) out[i] = Math.imul(x[i] as number, y[i] as number);
      else for (let i = 0; i < n; i++) out[i] = (x[i] as number) * (y[i] as number);
      break;
    case 'div':
      for (let i = 0; i < n; i++) out[i] = (x[i] as number) / (y[i] as number);
      break;
    case 'pow':
      if (integer) for (let i = 0; i < n; i++) out[i] = intPow(x[i] as number, y[i] as number);
      else for (let i = 0; i < n; i++) out[i] = Math.pow(x[i] as number, y[i] as number);
      break;
    case 'maximum':
      for (let i = 0; i < n; i++) out[i] = Math.max(x[i] as number, y[i] as number);
      break;
    case 'minimum':
      for (let i = 0; i < n; i++) out[i] = Math.min(x[i] as number, y[i] as number);
      break;
    default:
      assertNever(op, 'binary op');
  }
  if (outDtype === 'bool') for (let i = 0; i < n; i++) out[i] = out[i] !== 0 ? 1 : 0;
  return out;
}

/** Elementwise comparison of `a` and `b` (same shape), as bool (0/1 bytes); NaN compares unequal. */
export function compareImpl(op: CompareOp, a: StridedInput, b: StridedInput): Uint8Array {
  const x = contiguousValues(a);
  const y = contiguousValues(b);
  const n = x.length;
  const out = new Uint8Array(n);
  switch (op) {
    case 'eq':
      for (let i = 0; i < n; i++) out[i] = x[i] === y[i] ? 1 : 0;
      break;
    case 'ne':
      for (let i = 0; i < n; i++) out[i] = x[i] !== y[i] ? 1 : 0;
      break;
    case 'lt':
      for (let i = 0; i < n; i++) out[i] = (x[i] as number) < (y[i] as number) ? 1 : 0;
      break;
    case 'le':
      for (let i = 0; i < n; i++) out[i] = (x[i] as number) <= (y[i] as number) ? 1 : 0;
      break;
    case 'gt':
      for (let i = 0; i < n; i++) out[i] = (x[i] as number) > (y[i] as number) ? 1 : 0;
      break;
    case 'ge':
      for (let i = 0; i < n; i++) out[i] = (x[i] as number) >= (y[i] as number) ? 1 : 0;
      break;
    default:
      assertNever(op, 'comparison');
  }
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
