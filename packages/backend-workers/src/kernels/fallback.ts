import { runOnCpu, type KernelArgs, type KernelName, type KernelResult } from '@kindling/tensor';
import type { WorkersStorage } from '../shared-heap.js';
import type { WorkersBackend } from '../workers-backend.js';

/**
 * Why work outside the WebAssembly kernels runs on the cpu kernels, on the shared memory in place:
 * the module covers float32 elementwise ops, reductions to sums and means, matmuls, windows and
 * the optimizers and last-dim softmax; other dtypes and kernels (gathers, pow, casts) run on the cpu kernels.
 */
export const OUTSIDE_WASM_REASON = 'the WebAssembly kernels cover float32 elementwise ops (pow excepted), sums and means, last-dim softmax, matmuls, windows and optimizer steps';

/** A kernel that the WebAssembly module does not cover for these arguments, on the cpu implementation. */
export function onCpu<K extends KernelName>(backend: WorkersBackend, name: K, args: KernelArgs<WorkersStorage>[K]): KernelResult<K, WorkersStorage> {
  return runOnCpu(backend, name, args, undefined, OUTSIDE_WASM_REASON);
}
