import { runOnCpu, type FallbackOutput, type InPlaceKernelName, type KernelArgs, type KernelName } from '@kindling/tensor';
import type { GpuJsBackend, GpuJsStorage } from '../gpujs-backend.js';

/*
 * What gpu.js cannot compute exactly runs on the cpu backend's own kernels, on host copies of the
 * inputs, and the backend records it (backend.fallbacks). gpu.js holds every value as float32, which
 * represents integers exactly only up to 2^24, so int32 data stays in host memory (only indices that
 * gpu.js computed, exact in float32, live on the device) and int32 arithmetic, wrapping like
 * PyTorch's, runs here.
 */

/** Why int32 work runs on the cpu kernels; the reason recorded with each such fallback. */
export const INT32_REASON = 'int32 values stay exact in host memory: gpu.js computes in float32, exact for integers only up to 2^24';

/** Why NaN-sensitive kernels run on the cpu kernels in webgpu mode (see GpuJsBackend.nanAware). */
export const NAN_REASON = 'webgpu mode cannot test for NaN: WGSL lets the compiler assume floats are never NaN';

/** Why a declared elementwise op without a gpu.js kernel of its own runs on the cpu kernels. */
export const NO_KERNEL_REASON = 'no gpu.js kernel is written for this op yet';

/** Why bool arithmetic runs on the cpu kernels. */
export const BOOL_REASON = 'bool arithmetic ("or", "and") has no gpu.js kernel of its own';

/**
 * Runs the cpu backend's `name` kernel through the shared fallback (host copies of the inputs, the
 * result adopted as a gpujs storage once they are read), recorded with `reason`.
 */
export function onCpu<K extends Exclude<KernelName, InPlaceKernelName>>(
  backend: GpuJsBackend,
  name: K,
  reason: string,
  args: KernelArgs<GpuJsStorage>[K],
  output: FallbackOutput,
): GpuJsStorage {
  return runOnCpu(backend, name, args, output, reason) as GpuJsStorage;
}
