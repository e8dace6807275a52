import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { BackendConfigurationError } from '@kindling/tensor';

/** More threads than this only add contention (and each reserves a stack in the shared memory). */
export const MAX_THREADS = 256;

/*
 * How many threads compute: the cores this process may use. os.availableParallelism() already
 * honours the CPU affinity mask; a container's CPU quota (cgroup cpu.max, or cpu.cfs_quota_us on
 * cgroup v1) is read as well, since more threads than the quota only adds contention.
 */

function readNumbers(path: string): number[] | undefined {
  try {
    return readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
  } catch {
    return undefined;
  }
}

/** The CPU quota of this process's cgroup in whole cores (rounded up), or undefined when unlimited or unknown. */
export function cgroupCpuLimit(root = '/sys/fs/cgroup'): number | undefined {
  // cgroup v2: "<quota> <period>" or "max <period>"; "max" reads as NaN and means no limit.
  const v2 = readNumbers(`${root}/cpu.max`);
  const [quota, period] = v2 ?? [readNumbers(`${root}/cpu/cpu.cfs_quota_us`)?.[0], readNumbers(`${root}/cpu/cpu.cfs_period_us`)?.[0]];
  if (quota === undefined || period === undefined || !(quota > 0) || !(period > 0)) return undefined;
  return Math.max(1, Math.ceil(quota / period));
}

/**
 * The number of compute threads: `KINDLING_THREADS` when set (an integer from 1 to `MAX_THREADS`),
 * else the cores available to the process, capped by its cgroup CPU quota. A bad value is a
 * `BackendConfigurationError`, reported even when `workers` was only tried as the default.
 */
export function threadCount(env: NodeJS.ProcessEnv = process.env, cgroupRoot?: string): number {
  const requested = env['KINDLING_THREADS'];
  if (requested !== undefined && requested !== '') {
    const value = Number(requested);
    if (!Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
      throw new BackendConfigurationError(`KINDLING_THREADS must be an integer from 1 to ${MAX_THREADS}, got '${requested}'; unset it to use the available cores`);
    }
    return value;
  }
  const cores = availableParallelism();
  return Math.max(1, Math.min(cores, cgroupCpuLimit(cgroupRoot) ?? cores));
}
