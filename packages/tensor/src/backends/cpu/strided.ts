import type { View } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { contiguousStrides, isContiguous, shapeSize, type Shape } from '../../shape.js';
import type { CpuStorage } from './cpu-backend.js';

/**
 * A strided read of a typed array: the element at multi-index `i` is
 * `values[offset + Σ i[d] * strides[d]]`. Strides may be 0 (broadcast) or permuted (transposed).
 * Every `*Impl` function takes its tensor inputs in this form, so other backends can reuse them.
 */
export interface StridedInput {
  readonly values: TypedArray;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** The strided form of a cpu view (no copy). */
export function stridedInput(view: View<CpuStorage>): StridedInput {
  return { values: view.storage.values, shape: view.shape, strides: view.strides, offset: view.offset };
}

/** A row-major, zero-offset strided form of `values`, mainly for tests and callers holding plain arrays. */
export function contiguousInput(values: TypedArray, shape: Shape): StridedInput {
  return { values, shape, strides: contiguousStrides(shape), offset: 0 };
}

/**
 * The storage offset of every element of the strided window `(shape, strides, offset)`, in row-major
 * order. This is the one place that walks multi-indices; kernels index with the result instead of
 * redoing stride arithmetic. The innermost dim is a plain loop, the outer dims an odometer.
 */
export function stridedOffsets(shape: Shape, strides: readonly number[], offset: number): Int32Array {
  const size = shapeSize(shape);
  const out = new Int32Array(size);
  const rank = shape.length;
  if (size === 0) return out;
  if (rank === 0) {
    out[0] = offset;
    return out;
  }
  const inner = shape[rank - 1] as number;
  const innerStride = strides[rank - 1] as number;
  const counter = new Array<number>(rank).fill(0);
  let base = offset;
  let o = 0;
  for (;;) {
    for (let j = 0, p = base; j < inner; j++, p += innerStride) out[o++] = p;
    if (o >= size) return out;
    for (let d = rank - 2; d >= 0; d--) {
      const extent = shape[d] as number;
      const stride = strides[d] as number;
      const next = (counter[d] as number) + 1;
      base += stride;
      if (next < extent) {
        counter[d] = next;
        break;
      }
      counter[d] = 0;
      base -= stride * extent;
    }
  }
}

/** The storage offsets of `input`'s elements in row-major order. */
export function inputOffsets(input: StridedInput): Int32Array {
  return stridedOffsets(input.shape, input.strides, input.offset);
}

/**
 * `input`'s elements in row-major order. When the input is already contiguous this is a subarray
 * sharing its memory (no copy), so callers must treat the result as read-only.
 */
export function contiguousValues(input: StridedInput): TypedArray {
  const size = shapeSize(input.shape);
  if (isContiguous(input.shape, input.strides)) {
    return input.values.subarray(input.offset, input.offset + size);
  }
  const source = input.values;
  const out = emptyLike(source, size);
  const rows = unitStrideRows(input);
  if (rows) {
    rows.offsets.forEach((start, row) => out.set(source.subarray(start, start + rows.length), row * rows.length));
    return out;
  }
  const offsets = inputOffsets(input);
  for (let i = 0; i < size; i++) out[i] = source[offsets[i] as number] as number;
  return out;
}

/**
 * For a window whose innermost dim is contiguous in memory and long enough to be worth a block copy
 * (a slice of rows, a head split out of a wider matrix): the storage offset of each row and the row
 * length, so callers copy whole rows with `set` instead of indexing every element.
 */
export function unitStrideRows(input: StridedInput): { offsets: Int32Array; length: number } | undefined {
  const rank = input.shape.length;
  const length = input.shape[rank - 1] as number;
  if (rank < 2 || input.strides[rank - 1] !== 1 || length < MIN_BLOCK_COPY) return undefined;
  return { offsets: stridedOffsets(input.shape.slice(0, -1), input.strides.slice(0, -1), input.offset), length };
}

/** Rows shorter than this are copied element by element: `set` on a subarray costs more than a short loop. */
const MIN_BLOCK_COPY = 16;

/** A zeroed typed array of the same kind as `like`. */
export function emptyLike(like: TypedArray, size: number): TypedArray {
  if (like instanceof Float32Array) return new Float32Array(size);
  if (like instanceof Float64Array) return new Float64Array(size);
  if (like instanceof Int32Array) return new Int32Array(size);
  return new Uint8Array(size);
}

/** `input` with its dims reordered by `order` (a permutation): a view, no copy. */
export function permuteInput(input: StridedInput, order: readonly number[]): StridedInput {
  return {
    values: input.values,
    shape: order.map((d) => input.shape[d] as number),
    strides: order.map((d) => input.strides[d] as number),
    offset: input.offset,
  };
}

/**
 * The permutation that moves `dims` (sorted) to the end, keeping the others in order. Reductions
 * walk `permuteInput(x, order)` so that each output element reads one contiguous run of offsets.
 */
export function moveDimsLast(rank: number, dims: readonly number[]): number[] {
  const kept: number[] = [];
  for (let d = 0; d < rank; d++) if (!dims.includes(d)) kept.push(d);
  return [...kept, ...dims];
}

/** `strides` with the entry at `dim` set to 0: offsets along every dim except `dim`. */
export function withoutDim(strides: readonly number[], dim: number): number[] {
  return strides.map((stride, d) => (d === dim ? 0 : stride));
}
