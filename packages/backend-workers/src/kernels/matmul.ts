import { shapeSize, type KernelConfig, type View } from '@kindling/tensor';
import type { WorkersStorage } from '../shared-heap.js';
import type { WorkersBackend } from '../workers-backend.js';
import { onCpu } from './fallback.js';
import { batchOffsets } from './layout.js';

/**
 * Products of at least this many flops (2·m·n·k) are split across threads. Measured on the 2-core
 * host: the output layer's products (1.3 MFLOP, e.g. 512×128×10) take 47 µs on one thread and
 * 52 µs on two, while the 67 MFLOP hidden-layer products run at 50 GFLOP/s on one thread and
 * 95–99 on two.
 */
export const MATMUL_PARALLEL_FLOPS = 2e6;

/** How many threads one product uses, and whether they split C by rows (when B is too narrow to split by columns). */
function split(backend: WorkersBackend, m: number, n: number, k: number): { threads: number; byRows: boolean } {
  const threads = 2 * m * n * k >= MATMUL_PARALLEL_FLOPS ? backend.parallelism() : 1;
  return { threads, byRows: n < 64 * threads };
}

/**
 * Batched float32 matmul in WebAssembly, with A and B read through their strides (transposed
 * operands need no copy); other dtypes fall back to the cpu kernel.
 */
function matmul(backend: WorkersBackend, a: View<WorkersStorage>, b: View<WorkersStorage>): WorkersStorage {
  if (a.dtype !== 'float32') return onCpu(backend, 'MatMul', { a, b });
  const rank = a.shape.length;
  const m = a.shape[rank - 2] as number;
  const k = a.shape[rank - 1] as number;
  const n = b.shape[rank - 1] as number;
  const batches = shapeSize(a.shape.slice(0, rank - 2));
  const out = backend.heap.allocate('float32', batches * m * n);
  if (out.size === 0) return out;
  if (k === 0) {
    backend.heap.view(out).fill(0);
    return out;
  }
  const aOffsets = batchOffsets(a, rank - 2);
  const bOffsets = batchOffsets(b, rank - 2);
  const [aRowStride, aColStride] = [a.strides[rank - 2] as number, a.strides[rank - 1] as number];
  const [bRowStride, bColStride] = [b.strides[rank - 2] as number, b.strides[rank - 1] as number];
  for (let batch = 0; batch < batches; batch++) {
    const aAddress = a.storage.byteOffset + (aOffsets[batch] as number) * 4;
    const bAddress = b.storage.byteOffset + (bOffsets[batch] as number) * 4;
    const cAddress = out.byteOffset + batch * m * n * 4;
    const { threads, byRows } = split(backend, m, n, k);
    const counter = backend.resetCounter();
    const shares = Array.from({ length: threads }, (_, thread) => ({
      kernel: 'matmulF32' as const,
      args: [aAddress, aRowStride, aColStride, bAddress, bRowStride, bColStride, cAddress, m, n, k, byRows ? 1 : 0, threads, counter, backend.matmulScratchOf(thread)],
    }));
    backend.run('MatMul', shares);
  }
  return out;
}

export const matmulConfig: KernelConfig<'MatMul', WorkersBackend> = {
  kernelName: 'MatMul',
  backendName: 'workers',
  kernelFunc: (backend, { a, b }) => matmul(backend, a, b),
};
