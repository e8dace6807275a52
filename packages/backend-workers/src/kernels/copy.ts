import type { DType, KernelConfig, View } from '@kindling/tensor';
import type { WorkersStorage } from '../shared-heap.js';
import type { WorkersBackend } from '../workers-backend.js';
import { onCpu } from './fallback.js';
import { batchOffsets, isDense, runSplit, sizeOf } from './layout.js';

/**
 * Copies of at least this many elements are split across threads by rows. Measured on the
 * 2-core host: the tiled transpose of the tutorial's 784×512 weight gradient (401k elements)
 * takes 68 µs on one thread and 95 µs split across two (the second thread's wake-up and the
 * shared memory bandwidth cost more than it saves), so only copies past a million split.
 */
export const COPY_PARALLEL_ELEMENTS = 1 << 20;

function fill(backend: WorkersBackend, size: number, value: number, dtype: DType): WorkersStorage {
  const out = backend.heap.allocate(dtype, size);
  // As the cpu kernel: bool means "nonzero" (NaN included), other dtypes convert as a cast does.
  backend.heap.view(out).fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
  return out;
}

/**
 * A row-major copy of a view of 4-byte elements, one trailing [rows, cols] matrix at a time: whole
 * rows when they are contiguous, 4×4 register transposes when the view is a transpose. Other
 * element sizes use the cpu kernel.
 */
export function contiguous(backend: WorkersBackend, x: View<WorkersStorage>): WorkersStorage {
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return onCpu(backend, 'Contiguous', { x });
  const out = backend.heap.allocate(x.dtype, sizeOf(x));
  if (out.size === 0) return out;
  const rank = x.shape.length;
  const dense = isDense(x);
  // A dense view is one row; a vector is one row with its own stride; else the trailing matrix.
  const matrixRank = dense ? 0 : Math.min(rank, 2);
  const rows = matrixRank === 2 ? (x.shape[rank - 2] as number) : 1;
  const cols = dense ? out.size : (x.shape[rank - 1] as number);
  const rowStride = matrixRank === 2 ? (x.strides[rank - 2] as number) : 0;
  const colStride = dense ? 1 : (x.strides[rank - 1] as number);
  const matrices = dense ? [x.offset] : batchOffsets(x, rank - matrixRank);
  const rowBlock = Math.max(1, Math.ceil(COPY_PARALLEL_ELEMENTS / cols));
  matrices.forEach((offset, index) => {
    const source = x.storage.byteOffset + offset * 4;
    const target = out.byteOffset + index * rows * cols * 4;
    runSplit(backend, 'Contiguous', rows, rowBlock, 4, (start, end) => ({
      kernel: 'copy2d32',
      args: [source + start * rowStride * 4, rowStride, colStride, target + start * cols * 4, end - start, cols],
    }));
  });
  return out;
}

export const fillConfig: KernelConfig<'Fill', WorkersBackend> = {
  kernelName: 'Fill',
  backendName: 'workers',
  kernelFunc: (backend, { size, value, dtype }) => fill(backend, size, value, dtype),
};

export const contiguousConfig: KernelConfig<'Contiguous', WorkersBackend> = {
  kernelName: 'Contiguous',
  backendName: 'workers',
  kernelFunc: (backend, { x }) => contiguous(backend, x),
};
