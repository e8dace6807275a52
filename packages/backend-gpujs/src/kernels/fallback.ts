import { CpuBackend, getKernel, type CpuStorage, type DType, type InPlaceKernelName, type KernelArgs, type KernelName, type TypedArray, type View } from '@kindling/tensor';
import type { GpuJsBackend, GpuJsStorage } from '../gpujs-backend.js';
import { afterAll } from '../values.js';

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

/** Why bool arithmetic runs on the cpu kernels. */
export const BOOL_REASON = 'bool arithmetic ("or", "and") has no gpu.js kernel of its own';

// A private cpu backend that wraps host arrays without copying; its storages never reach a tensor.
const cpu = new CpuBackend();

type ProducingKernel = Exclude<KernelName, InPlaceKernelName>;

function isTypedArray(value: unknown): value is TypedArray {
  return value instanceof Float32Array || value instanceof Float64Array || value instanceof Int32Array || value instanceof Uint8Array;
}

/**
 * Runs the cpu backend's `name` kernel on host copies of `inputs` and wraps its output, of `dtype`
 * and `size` elements, as a gpujs storage. `makeArgs` receives `inputs` re-pointed at cpu storages.
 */
export function onCpu<K extends ProducingKernel, const T extends readonly View<GpuJsStorage>[]>(
  backend: GpuJsBackend,
  name: K,
  reason: string,
  inputs: T,
  makeArgs: (views: { [I in keyof T]: View<CpuStorage> }) => KernelArgs<CpuStorage>[K],
  output: { dtype: DType; size: number },
): GpuJsStorage {
  const kernel = getKernel(name, 'cpu');
  if (!kernel) throw new Error(`gpujs: the cpu backend has no '${name}' kernel to fall back on; call registerCpuBackend() first`);
  backend.noteFallback(name, reason);
  const values = afterAll(
    inputs.map((view) => backend.hostArray(view.storage)),
    (arrays) => {
      // map() keeps the tuple's length and order; TypeScript only types its result as an array.
      const views = inputs.map((view, i) => ({ ...view, storage: cpu.adopt(arrays[i] as TypedArray) })) as { [I in keyof T]: View<CpuStorage> };
      const result = kernel(cpu, makeArgs(views));
      const computed: unknown = result && 'values' in result ? result.values : undefined;
      if (!isTypedArray(computed)) throw new Error(`gpujs: the cpu '${name}' kernel returned no storage`);
      return computed;
    },
  );
  return backend.adopt(output.dtype, output.size, values);
}
