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

/**
 * The registry's view of the backends, one per line: available, unavailable with its reason and the
 * drivers' messages its probe captured, or not tried (below the one chosen).
 */
export function describeBackends(infos: readonly BackendInfo[]): string {
  const width = Math.max(...infos.map((info) => info.name.length));
  const lines = infos.flatMap((info) => {
    const state = info.available === undefined ? 'not tried' : info.available ? 'available' : `unavailable: ${info.reason ?? 'no reason given'}`;
    const captured = (info.probeOutput ?? '').split('\n').filter((line) => line.trim() !== '');
    return [`  ${info.name.padEnd(width)}  ${state}`, ...captured.map((line) => `  ${' '.repeat(width)}  | ${line}`)];
  });
  return ['Backends:', ...lines].join('\n');
}

/** Every registered backend, started where possible, with the reason for those that cannot start. */
export async function availableBackends(): Promise<BackendInfo[]> {
  registerBackends();
  await probeBackends();
  return listBackends();
}
