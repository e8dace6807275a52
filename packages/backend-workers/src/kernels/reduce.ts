import { contiguousStrides, shapeSize, type KernelConfig, type ReduceOp, type View } from '@kindling/tensor';
import type { WorkersStorage } from '../shared-heap.js';
import type { WorkersBackend } from '../workers-backend.js';
import { contiguous } from './copy.js';
import { onCpu } from './fallback.js';
import { isDense, runSplit } from './layout.js';

/**
 * Sums over at least this many input elements are split across threads (by output element), for
 * the same reason and at the same measured cost as elementwise ops: float64 accumulation reads
 * ~4 floats/ns on one thread, so 2^17 elements are ~30 µs against ~10 µs to wake a worker.
 */
export const REDUCE_PARALLEL_ELEMENTS = 1 << 17;

/** Whether the view repeats elements (a stride of 0 on a dim longer than 1): copying it dense would multiply the work. */
function hasBroadcastDims(x: View<WorkersStorage>): boolean {
  return x.strides.some((stride, d) => stride === 0 && (x.shape[d] as number) > 1);
}

/** Whether `dims` (sorted) are exactly the first `dims.length` dims, or exactly the last ones. */
function reducedEnd(dims: readonly number[], rank: number): 'leading' | 'trailing' | undefined {
  if (dims.every((dim, i) => dim === i)) return 'leading';
  if (dims.every((dim, i) => dim === rank - dims.length + i)) return 'trailing';
  return undefined;
}

/**
 * For dims that are some leading dims plus some trailing ones (a convolution's bias gradient sums
 * [N, C, H, W] over 0, 2 and 3): where the trailing ones start, or undefined for other dims.
 */
function splitEnds(dims: readonly number[], rank: number): number | undefined {
  const leading = dims.findIndex((dim, i) => dim !== i);
  if (leading <= 0) return undefined;
  const trailing = dims.slice(leading);
  return reducedEnd(trailing, rank) === 'trailing' ? (trailing[0] as number) : undefined;
}

/**
 * Sums over both ends in two passes: the trailing dims into a float32 temporary, then the leading
 * ones. The temporary rounds each partial sum once more than the cpu kernel's single float64 pass.
 */
function reduceBothEnds(backend: WorkersBackend, x: View<WorkersStorage>, dims: readonly number[], trailingFrom: number, op: ReduceOp): WorkersStorage {
  const kept = x.shape.slice(0, trailingFrom);
  const trailing = dims.filter((dim) => dim >= trailingFrom);
  const leading = dims.filter((dim) => dim < trailingFrom);
  const partial = reduce(backend, x, trailing, 'sum');
  try {
    const partialView = { storage: partial, dtype: x.dtype, shape: kept, strides: contiguousStrides(kept), offset: 0 };
    const out = reduce(backend, partialView, leading, 'sum');
    if (op === 'mean') {
      const count = shapeSize(dims.map((dim) => x.shape[dim] as number));
      const values = backend.heap.view(out);
      for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) / count;
    }
    return out;
  } finally {
    backend.release(partial);
  }
}

/**
 * float32 sum and mean of a contiguous tensor over its leading dims (a bias gradient: columns of a
 * matrix), its trailing dims (rows) or both; everything else uses the cpu kernel.
 */
function reduce(backend: WorkersBackend, x: View<WorkersStorage>, dims: readonly number[], op: ReduceOp): WorkersStorage {
  if (x.dtype === 'float32' && (op === 'sum' || op === 'mean') && !isDense(x) && !hasBroadcastDims(x)) {
    // A transposed or sliced input (a gradient reduced to a broadcast operand's shape, attention's
    // heads) is copied dense by the WebAssembly copy kernel first: cheaper than the cpu kernel's strided walk.
    const copy = contiguous(backend, x);
    try {
      return reduce(backend, { storage: copy, dtype: x.dtype, shape: x.shape, strides: contiguousStrides(x.shape), offset: 0 }, dims, op);
    } finally {
      backend.release(copy);
    }
  }
  const end = reducedEnd(dims, x.shape.length);
  const simple = x.dtype === 'float32' && (op === 'sum' || op === 'mean') && isDense(x);
  const trailingFrom = simple && !end ? splitEnds(dims, x.shape.length) : undefined;
  if (trailingFrom !== undefined) return reduceBothEnds(backend, x, dims, trailingFrom, op);
  if (!simple || !end) return onCpu(backend, 'Reduce', { x, dims, op });
  const reduced = shapeSize(dims.map((dim) => x.shape[dim] as number));
  const kept = shapeSize(x.shape.filter((_, d) => !dims.includes(d)));
  const out = backend.heap.allocate('float32', kept);
  if (reduced === 0) {
    // An empty sum is 0 and an empty mean 0/0, as in the reference.
    backend.heap.view(out).fill(op === 'mean' ? Number.NaN : 0);
    return out;
  }
  const divisor = op === 'mean' ? reduced : 1;
  const source = backend.address(x);
  const perOutput = Math.max(1, Math.ceil(REDUCE_PARALLEL_ELEMENTS / reduced));
  if (end === 'trailing') {
    runSplit(backend, 'Reduce', kept, perOutput, 1, (start, stop) => ({
      kernel: 'sumRowsF32',
      args: [source + start * reduced * 4, out.byteOffset + start * 4, stop - start, reduced, divisor],
    }));
  } else {
    runSplit(backend, 'Reduce', kept, perOutput, 16, (start, stop, thread) => ({
      kernel: 'sumColumnsF32',
      args: [source + start * 4, kept, out.byteOffset + start * 4, reduced, stop - start, divisor, backend.reduceScratchOf(thread)],
    }));
  }
  return out;
}

export const reduceConfig: KernelConfig<'Reduce', WorkersBackend> = {
  kernelName: 'Reduce',
  backendName: 'workers',
  kernelFunc: (backend, { x, dims, op }) => reduce(backend, x, dims, op),
};
