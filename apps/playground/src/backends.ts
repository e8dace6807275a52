import { GpuJsBackend, registerGpuJsBackend } from '@kindling/backend-gpujs';
import { registerWebGpuBackend } from '@kindling/backend-webgpu';
import { findBackend, probeBackends, type BackendInfo } from '@kindling/tensor';

/** Why the `workers` backend is listed but not registered: browsers run WebAssembly, but not the rest of it. */
export const WORKERS_IN_BROWSERS =
  "needs Node: it reads its WebAssembly kernels from disk, shares them out over Node's worker threads, and blocks the calling thread with Atomics.wait, which a page's main thread may not do";

/** A backend as the page lists it: the registry's view, plus what a browser cannot run at all. */
export interface ListedBackend {
  name: string;
  available: boolean;
  /** Why it cannot start, or where it runs (gpujs's mode). */
  note: string;
}

/** The gpu.js modes that run on the GPU; its webasm mode runs on the CPU, where `cpu` is the plainer choice. */
const GPU_MODES = new Set(['webgpu', 'webgl2']);

function describe(info: BackendInfo): ListedBackend {
  if (info.available !== true) return { name: info.name, available: false, note: info.reason ?? 'it did not start' };
  const backend = findBackend(info.name);
  const note = backend instanceof GpuJsBackend ? `gpu.js ${backend.mode} mode` : info.name === 'webgpu' ? 'navigator.gpu' : 'JavaScript on the main thread';
  return { name: info.name, available: true, note };
}

/**
 * Registers the backends a browser can run, starts each one to learn whether it can, and lists
 * them best first, with `workers` listed as unavailable and why.
 */
export async function startBackends(): Promise<ListedBackend[]> {
  registerWebGpuBackend();
  registerGpuJsBackend();
  const listed = (await probeBackends()).map(describe);
  return [...listed, { name: 'workers', available: false, note: WORKERS_IN_BROWSERS }];
}

/** The best that started: webgpu, then gpujs on the GPU (webgpu or webgl2 mode), then cpu. */
export function bestBackend(listed: readonly ListedBackend[]): string {
  const started = (name: string) => listed.some((backend) => backend.name === name && backend.available);
  if (started('webgpu')) return 'webgpu';
  if (started('gpujs')) {
    const backend = findBackend('gpujs');
    if (backend instanceof GpuJsBackend && GPU_MODES.has(backend.mode)) return 'gpujs';
  }
  return 'cpu';
}
