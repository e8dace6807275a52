import { runOnCpu, type KernelArgs, type KernelName, type KernelResult } from '@kindling/tensor';
import type { WorkersStorage } from '../shared-heap.js';
import type { WorkersBackend } from '../workers-backend.js';

/**
 * Why work outside the WebAssembly kernels runs on the cpu kernels, on the shared memory in place:
 * the module covers the tutorial's hot path (float32, dense layouts, the ops without libm calls).
 */
export const OUTSIDE_WASM_REASON =
  'the WebAssembly kernels cover float32 in dense layouts, without the libm functions (exp, log, sigmoid, tanh, pow) that need float64 accuracy';

/** A kernel that the WebAssembly module does not cover for these arguments, on the cpu implementation. */
export function onCpu<K extends KernelName>(backend: WorkersBackend, name: K, args: KernelArgs<WorkersStorage>[K]): KernelResult<K, WorkersStorage> {
  return runOnCpu(backend, name, args, undefined, OUTSIDE_WASM_REASON);
}
