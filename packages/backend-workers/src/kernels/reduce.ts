import { shapeSize, type KernelConfig, type ReduceOp, type View } from '@kindling/tensor';
import type { WorkersStorage } from '../shared-heap.js';
import type { WorkersBackend } from '../workers-backend.js';
import { onCpu } from './fallback.js';
import { isDense, runSplit } from './layout.js';

/**
 * Sums over at least this many input elements are split across threads (by output element), for
 * the same reason and at the same measured cost as elementwise ops: float64 accumulation reads
 * ~4 floats/ns on one thread, so 2^17 elements are ~30 µs against ~10 µs to wake a worker.
 */
export const REDUCE_PARALLEL_ELEMENTS = 1 << 17;

/** Whether `dims` (sorted) are exactly the first `dims.length` dims, or exactly the last ones. */
function reducedEnd(dims: readonly number[], rank: number): 'leading' | 'trailing' | undefined {
  if (dims.every((dim, i) => dim === i)) return 'leading';
  if (dims.every((dim, i) => dim === rank - dims.length + i)) return 'trailing';
  return undefined;
}

/**
 * float32 sum and mean of a contiguous tensor over its leading dims (a bias gradient: columns of a
 * matrix) or its trailing dims (rows); everything else uses the cpu kernel.
 */
function reduce(backend: WorkersBackend, x: View<WorkersStorage>, dims: readonly number[], op: ReduceOp): WorkersStorage {
  const end = reducedEnd(dims, x.shape.length);
  if (x.dtype !== 'float32' || (op !== 'sum' && op !== 'mean') || !isDense(x) || !end) return onCpu(backend, 'Reduce', { x, dims, op });
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
