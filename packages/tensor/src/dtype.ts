/** Element types a tensor can hold. `float64` exists for gradient checks; not every backend stores it. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** The typed array that holds each dtype on the host (bool as 0/1 bytes). */
export interface TypedArrayFor {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

export type TypedArray = TypedArrayFor[DType];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

export function isFloatingDType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function allocateTypedArray<D extends DType>(dtype: D, size: number): TypedArrayFor[D];
export function allocateTypedArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;

/**
 * `value` truncated toward zero, as an int32 holds it; a `RangeError` naming `op` when it does not
 * fit (NaN, ±Infinity, or outside -2^31 to 2^31 - 1), where a typed array would wrap it silently.
 */
export function toInt32(value: number, op: string): number {
  const truncated = Math.trunc(value);
  if (!(truncated >= INT32_MIN && truncated <= INT32_MAX)) {
    throw new RangeError(`${op}: ${value} does not fit int32 (integers from ${INT32_MIN} to ${INT32_MAX}); use a float32 or float64 tensor for it`);
  }
  return truncated;
}

/** Copies `values` into a fresh typed array of `dtype`, converting the way a cast does (`op` names the caller in errors). */
export function toTypedArray(values: ArrayLike<number>, dtype: DType, op = 'tensor'): TypedArray {
  const out = allocateTypedArray(dtype, values.length);
  if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  } else if (dtype === 'int32') {
    for (let i = 0; i < values.length; i++) out[i] = toInt32(values[i] as number, op);
  } else {
    out.set(values);
  }
  return out;
}

export function dtypeOfTypedArray(values: TypedArray): DType {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof Int32Array) return 'int32';
  return 'bool';
}

const PROMOTION_RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** PyTorch's promotion between two tensors: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return PROMOTION_RANK[a] >= PROMOTION_RANK[b] ? a : b;
}

/**
 * The result dtype of a tensor combined with a plain JS number: numbers are "weak" as in PyTorch,
 * so they only lift the tensor's category (an int32 tensor plus 0.5 gives float32, a float64 tensor stays float64).
 */
export function promoteWithScalar(dtype: DType, scalar: number | boolean): DType {
  if (typeof scalar === 'boolean') return dtype;
  if (!Number.isInteger(scalar) && !isFloatingDType(dtype)) return 'float32';
  if (dtype === 'bool') return Number.isInteger(scalar) ? 'int32' : 'float32';
  return dtype;
}
