import type { KernelConfig, View } from '@kindling/tensor';
import type { WorkersStorage } from '../shared-heap.js';
import type { WorkersBackend } from '../workers-backend.js';
import { onCpu } from './fallback.js';
import { isDense, lastExtent, runSplit, sizeOf } from './layout.js';

/**
 * Rows are split across threads from this many elements on: a row's exp costs ~1 ns an element,
 * so 2^14 elements are ~15 µs of work against ~10 µs to wake a worker.
 */
const SOFTMAX_PARALLEL_ELEMENTS = 1 << 14;

/** float32 softmax along the last dim of a dense tensor (attention's scores); other cases on the cpu kernel. */
function softmax(backend: WorkersBackend, x: View<WorkersStorage>, dim: number, log: boolean): WorkersStorage {
  if (x.dtype !== 'float32' || dim !== x.shape.length - 1 || !isDense(x)) return onCpu(backend, 'Softmax', { x, dim, log });
  const out = backend.heap.allocate('float32', sizeOf(x));
  const run = lastExtent(x);
  const rows = run === 0 ? 0 : out.size / run;
  const source = backend.address(x);
  const rowBlock = Math.max(1, Math.ceil(SOFTMAX_PARALLEL_ELEMENTS / Math.max(run, 1)));
  runSplit(backend, 'Softmax', rows, rowBlock, 1, (start, end) => ({
    kernel: 'softmaxRowsF32',
    args: [source + start * run * 4, out.byteOffset + start * run * 4, end - start, run, log ? 1 : 0],
  }));
  return out;
}

export const softmaxConfig: KernelConfig<'Softmax', WorkersBackend> = {
  kernelName: 'Softmax',
  backendName: 'workers',
  kernelFunc: (backend, { x, dim, log }) => softmax(backend, x, dim, log),
};
