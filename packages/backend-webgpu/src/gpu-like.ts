/*
 * The WebGPU shapes this package's public types name, declared here rather than taken from
 * @webgpu/types: those declarations name DOM types (BufferSource, ImageBitmap, ...), so a Node
 * project that checks library declarations would need "DOM" in `lib` just to import the backend.
 * The implementation is typed with @webgpu/types; only the exported surface uses these.
 */

/** Which adapter to ask for: WebGPU's `GPUPowerPreference`. */
export type GpuPowerPreference = 'low-power' | 'high-performance';

/**
 * WebGPU's entry point, as far as {@link createWebGpuBackend} needs it. `navigator.gpu` and the
 * object Dawn's `create()` returns (a `GPU` from @webgpu/types) both satisfy it.
 */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: GpuPowerPreference }): Promise<object | null>;
}
