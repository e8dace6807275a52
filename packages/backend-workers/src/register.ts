import { listBackends, registerBackend } from '@kindling/tensor';
import { registerWorkersKernels } from './kernels/index.js';
import { WorkersBackend } from './workers-backend.js';

/** The registry priority of `workers`: above `cpu` (0), so it is the default where it starts. */
export const WORKERS_PRIORITY = 1;

/**
 * Registers the `workers` backend (priority 1, above `cpu`) and its kernels. Safe to call more
 * than once; importing this package registers nothing. The backend starts on first use: the
 * kernel module compiles synchronously and the worker threads join as they come up, so ops
 * issued before then run on the calling thread.
 *
 * @example
 * import { registerWorkersBackend } from '@kindling/backend-workers';
 * registerWorkersBackend();
 * await setBackend('workers'); // or KINDLING_BACKEND=workers, or simply the default
 */
export function registerWorkersBackend(): void {
  if (!listBackends().some((info) => info.name === 'workers')) {
    registerBackend('workers', () => new WorkersBackend(), { priority: WORKERS_PRIORITY });
  }
  registerWorkersKernels();
}
