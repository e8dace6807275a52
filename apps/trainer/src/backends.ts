import { registerGpuJsBackend } from '@kindling/backend-gpujs';
import { registerWebGpuBackend } from '@kindling/backend-webgpu';
import { registerWorkersBackend } from '@kindling/backend-workers';
import { BackendUnavailableError, listBackends, probeBackends, setBackend, type Backend, type BackendInfo } from '@kindling/tensor';

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
 * Starts the backend of the run: `requested` (else `KINDLING_BACKEND`) when given, else the
 * highest-priority backend that starts. Every backend passed over on the way goes to `onSkipped`
 * with its reason, once, so that a run never moves to a slower backend (or fails on the next one)
 * without saying why the better one did not start.
 */
export async function startBackend(requested: string | undefined, onSkipped: (name: string, reason: string) => void): Promise<Backend> {
  const named = requested ?? process.env['KINDLING_BACKEND'];
  if (named) return setBackend(named);
  const failures: string[] = [];
  for (const { name } of listBackends()) {
    try {
      return await setBackend(name);
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
      onSkipped(name, error.reason);
      failures.push(error.message);
    }
  }
  throw new Error(`no backend could be started:\n  ${failures.join('\n  ')}`);
}

/**
 * The registry's view of the backends, one per line: available, unavailable with its reason and the
 * drivers' messages its probe captured, or not probed yet (below the one chosen).
 */
export function describeBackends(infos: readonly BackendInfo[]): string {
  const width = Math.max(...infos.map((info) => info.name.length));
  const lines = infos.flatMap((info) => {
    const state = info.available === 'not probed yet' ? 'not probed yet' : info.available ? 'available' : `unavailable: ${info.reason ?? 'no reason given'}`;
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

/**
 * Registers the backends and starts the run's (`startBackend`), saying which: each backend skipped
 * on the way (with `verbose`, every backend's state), then `Training on backend '<name>'`.
 */
export async function startRunBackend(requested: string | undefined, verbose: boolean): Promise<Backend> {
  registerBackends();
  const backend = await startBackend(requested, (name, reason) => {
    if (!verbose) console.log(`Skipped backend '${name}': ${reason}`);
  });
  if (verbose) console.log(describeBackends(listBackends()));
  console.log(`Training on backend '${backend.name}'`);
  return backend;
}
