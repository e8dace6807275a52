import { isContiguous, shapeSize, type View } from '@kindling/tensor';
import type { Share } from '../pool/thread-pool.js';
import type { WorkersStorage } from '../shared-heap.js';
import type { WorkersBackend } from '../workers-backend.js';

/*
 * Layout tests that pick a kernel's fast path, and the split of a kernel's work across threads.
 * The op layer hands kernels broadcast operands as stride-0 views; the common ones are a scalar
 * (every stride 0), a row repeated down a matrix (a bias: the last stride 1, the others 0) and a
 * column repeated across it (the last stride 0).
 */

/** Whether the view's elements are one contiguous run in row-major order. */
export function isDense(view: View<WorkersStorage>): boolean {
  return isContiguous(view.shape, view.strides);
}

/** Whether every element of the view is the same storage element (a broadcast scalar). */
export function isUniform(view: View<WorkersStorage>): boolean {
  return view.strides.every((stride, d) => stride === 0 || view.shape[d] === 1);
}

/** Whether the view repeats one contiguous row (its last dim) over all its leading dims. */
export function isRepeatedRow(view: View<WorkersStorage>): boolean {
  const last = view.shape.length - 1;
  return last >= 1 && view.strides[last] === 1 && view.strides.every((stride, d) => d === last || stride === 0 || view.shape[d] === 1);
}

/**
 * The number of elements of the contiguous block that the view repeats over its leading dims (a
 * causal mask [L, S] broadcast over batch and heads), or undefined when it is no such view; a
 * dense view is one block of all its elements, a broadcast scalar a block of 1.
 */
export function repeatedBlock(view: View<WorkersStorage>): number | undefined {
  const rank = view.shape.length;
  let from = 0;
  while (from < rank && (view.strides[from] === 0 || view.shape[from] === 1)) from++;
  const shape = view.shape.slice(from);
  return isContiguous(shape, view.strides.slice(from)) ? shapeSize(shape) : undefined;
}

/** Whether the view repeats one value across its last dim, its leading dims being contiguous. */
export function isRepeatedColumn(view: View<WorkersStorage>): boolean {
  const last = view.shape.length - 1;
  return last >= 1 && view.strides[last] === 0 && isContiguous(view.shape.slice(0, last), view.strides.slice(0, last));
}

/** The extent of the last dim (1 for a scalar). */
export function lastExtent(view: View<WorkersStorage>): number {
  return view.shape[view.shape.length - 1] ?? 1;
}

/** The number of elements, for sizing outputs. */
export function sizeOf(view: View<WorkersStorage>): number {
  return shapeSize(view.shape);
}

/** The storage offset of each matrix of a batched view (dims before `batchRank`), in row-major order. */
export function batchOffsets(view: View<WorkersStorage>, batchRank: number): number[] {
  let offsets = [view.offset];
  for (let d = 0; d < batchRank; d++) {
    const extent = view.shape[d] as number;
    const stride = view.strides[d] as number;
    offsets = offsets.flatMap((base) => Array.from({ length: extent }, (_, i) => base + i * stride));
  }
  return offsets;
}

/**
 * Splits `total` units of work into at most `threads` contiguous ranges whose boundaries are
 * multiples of `align` (so threads write whole cache lines or whole kernel tiles).
 */
export function splitRange(total: number, threads: number, align: number): [number, number][] {
  const blocks = Math.ceil(total / align);
  const parts = Math.max(1, Math.min(threads, blocks));
  const ranges: [number, number][] = [];
  for (let t = 0; t < parts; t++) {
    const start = Math.min(total, Math.floor((blocks * t) / parts) * align);
    const end = Math.min(total, Math.floor((blocks * (t + 1)) / parts) * align);
    if (end > start) ranges.push([start, end]);
  }
  return ranges;
}

/**
 * Runs `share(start, end, thread)` over a split of `[0, total)`: on the calling thread alone when
 * `total` is under `parallelFrom` (splitting costs a wake-up of about 10 µs per worker, measured),
 * else across every thread that is free now.
 */
export function runSplit(
  backend: WorkersBackend,
  label: string,
  total: number,
  parallelFrom: number,
  align: number,
  share: (start: number, end: number, thread: number) => Share,
): void {
  const threads = total >= parallelFrom ? backend.parallelism() : 1;
  backend.run(
    label,
    splitRange(total, threads, align).map(([start, end], thread) => share(start, end, thread)),
  );
}
