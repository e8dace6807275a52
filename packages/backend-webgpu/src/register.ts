import { listBackends, registerBackend, registerKernelTable } from '@kindling/tensor';
import { webGpuKernels } from './kernels/index.js';
import type { GpuLike, GpuPowerPreference } from './gpu-like.js';
import { browserGpu, dawnProbe, isGpu, isNode, loadNodeGpu, NO_ADAPTER } from './node-gpu.js';
import { WebGpuBackend, type WebGpuBackendSettings } from './webgpu-backend.js';

/** Options of {@link registerWebGpuBackend}. */
export interface WebGpuBackendOptions extends WebGpuBackendSettings {
  /** Registry priority (default 2: above `workers` at 1 and `cpu` at 0). */
  priority?: number;
  /** Which adapter to ask for (default 'high-performance'). */
  powerPreference?: GpuPowerPreference;
  /** Where WebGPU comes from (a `GPU`, such as `navigator.gpu`); default: `navigator.gpu`, else Dawn from the `webgpu` package in Node. */
  gpu?: () => GpuLike | Promise<GpuLike>;
}

async function findGpu(options: WebGpuBackendOptions): Promise<GPU> {
  if (options.gpu) {
    const gpu = await options.gpu();
    if (!isGpu(gpu)) throw new TypeError('webgpu: the `gpu` option returned an object without requestAdapter(); return navigator.gpu or the GPU that Dawn\'s create() makes');
    return gpu;
  }
  const gpu = browserGpu();
  if (gpu) return gpu;
  if (isNode()) return loadNodeGpu();
  throw new Error('this environment has no navigator.gpu (WebGPU is missing or disabled in this browser)');
}

/**
 * Starts a `webgpu` backend: finds WebGPU, asks for an adapter and a device with the adapter's
 * largest buffer limits. Rejects with a reason when there is no WebGPU, no adapter or no device.
 */
export async function createWebGpuBackend(options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  const gpu = await findGpu(options);
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) throw new Error(NO_ADAPTER);
  const { maxBufferSize, maxStorageBufferBindingSize, maxStorageBuffersPerShaderStage } = adapter.limits;
  // Large datasets (all of MNIST is 188 MB) live on the device, so ask for the largest buffers the
  // adapter allows; and as many buffers per dispatch as it binds, for longer fused chains.
  const device = await adapter.requestDevice({ requiredLimits: { maxBufferSize, maxStorageBufferBindingSize, maxStorageBuffersPerShaderStage } });
  return WebGpuBackend.forDevice(device, options);
}


/**
 * Registers the `webgpu` backend (priority 2) and its kernels. Nothing starts until the backend is
 * first used: `await setBackend('webgpu')` (or `ready()`) then finds a device, and where there is
 * none the registry records why and falls back to the next backend. Safe to call more than once.
 *
 * @example
 * import { registerWebGpuBackend } from '@kindling/backend-webgpu';
 * import { setBackend } from '@kindling/tensor';
 * registerWebGpuBackend();
 * await setBackend('webgpu');
 */
export function registerWebGpuBackend(options: WebGpuBackendOptions = {}): void {
  if (!listBackends().some((info) => info.name === 'webgpu')) {
    // Dawn in Node is tried in a child process first; a custom `gpu` or navigator.gpu starts directly.
    const probe = !options.gpu && !browserGpu() && isNode() ? dawnProbe(options.powerPreference ?? 'high-performance') : undefined;
    registerBackend('webgpu', () => createWebGpuBackend(options), { priority: options.priority ?? 2, ...(probe ? { probe } : {}) });
  }
  registerKernelTable(webGpuKernels);
}
