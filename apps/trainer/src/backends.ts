import { registerGpuJsBackend } from '@kindling/backend-gpujs';
import { registerWebGpuBackend } from '@kindling/backend-webgpu';
import { registerWorkersBackend } from '@kindling/backend-workers';
import { listBackends, probeBackends, type BackendInfo } from '@kindling/tensor';

/**
 * Registers every compute backend the trainer ships with, so that `--backend <name>` and the
 * default choice (the highest-priority backend that starts) can see them. The reference `cpu`
 * backend is built into @kindling/tensor.
 */
export function registerBackends(): void {
  registerWebGpuBackend();
  registerWorkersBackend();
  registerGpuJsBackend();
}

/** Every registered backend, started where possible, with the reason for those that cannot start. */
export async function availableBackends(): Promise<BackendInfo[]> {
  registerBackends();
  await probeBackends();
  return listBackends();
}
