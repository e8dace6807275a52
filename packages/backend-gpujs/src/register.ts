import { listBackends, registerBackend, registerKernelTable } from '@kindling/tensor';
import { GpuJsBackend } from './gpujs-backend.js';
import type { GpuJsMode } from './gpujs.js';
import { gpujsKernels } from './kernels/index.js';
import { chooseMode, requestedMode } from './modes.js';

export interface GpuJsBackendOptions {
  /** The gpu.js mode to run in; by default `KINDLING_GPUJS_MODE`, else the best that starts here. */
  mode?: GpuJsMode;
  /** The registry priority (default 0.5). */
  priority?: number;
}

/**
 * The portability backend ranks below the fast ones (webgpu 2, workers 1) and just above the
 * reference cpu backend (0): where neither fast backend starts but a GPU answers through WebGL2 or
 * WebGPU, gpujs is the better default, and even its webasm mode (SIMD WebAssembly) trains the
 * tutorial's network faster than cpu.
 */
const DEFAULT_PRIORITY = 0.5;

/**
 * Registers the `gpujs` backend and all of its kernels. The mode is chosen when the backend starts
 * (`await setBackend('gpujs')`); the started backend's `mode`, `skippedModes` and `fallbacks`
 * say where it runs and what runs on the cpu kernels instead. Safe to call more than once.
 *
 * @example
 * registerGpuJsBackend();
 * const backend = await setBackend('gpujs');
 */
export function registerGpuJsBackend(options: GpuJsBackendOptions = {}): void {
  if (!listBackends().some((info) => info.name === 'gpujs')) {
    const factory = async () => {
      const choice = await chooseMode(requestedMode(options.mode));
      return new GpuJsBackend(choice.mode, choice.skipped);
    };
    registerBackend('gpujs', factory, { priority: options.priority ?? DEFAULT_PRIORITY });
  }
  registerKernelTable(gpujsKernels);
}

