import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BackendConfigurationError, matmul } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { cgroupCpuLimit, threadCount, WorkerFailure, WorkersBackend } from '../src/index.js';
import type { Share } from '../src/pool/thread-pool.js';
import { expectMatches, pair, workersBackend } from './helpers.js';

const run = promisify(execFile);

describe('thread count', () => {
  it('honours KINDLING_THREADS and rejects what is not an integer from 1 to 256', () => {
    expect(threadCount({ KINDLING_THREADS: '3' })).toBe(3);
    expect(threadCount({ KINDLING_THREADS: '256' })).toBe(256);
    for (const bad of ['0', '-2', '1.5', 'many', '100000']) {
      const error = (() => {
        try {
          return threadCount({ KINDLING_THREADS: bad });
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(BackendConfigurationError);
      expect((error as Error).message).toBe(`KINDLING_THREADS must be an integer from 1 to 256, got '${bad}'; unset it to use the available cores`);
    }
  });

  it('reports a bad KINDLING_THREADS in one line when workers is only tried as the default, then falls back', async () => {
    const tensorEntry = new URL('../../tensor/dist/index.js', import.meta.url).href;
    const workersEntry = new URL('../dist/index.js', import.meta.url).href;
    const script = `
      const { ready } = await import(${JSON.stringify(tensorEntry)});
      const { registerWorkersBackend } = await import(${JSON.stringify(workersEntry)});
      registerWorkersBackend();
      console.log('chose ' + (await ready()).name);`;
    for (const bad of ['0', 'abc', '-1', '1.5', '100000']) {
      const env: NodeJS.ProcessEnv = { ...process.env, KINDLING_THREADS: bad };
      delete env['KINDLING_BACKEND'];
      const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
      expect(stdout.trim()).toBe('chose cpu');
      expect(stderr.trim()).toBe(`kindling: skipped backend 'workers': KINDLING_THREADS must be an integer from 1 to 256, got '${bad}'; unset it to use the available cores; using 'cpu' instead`);
    }
  }, 60_000);

  it('reads the cgroup CPU quota (v2 and v1), rounding up, and ignores an unlimited one', () => {
    const root = mkdtempSync(join(tmpdir(), 'kindling-cgroup-'));
    writeFileSync(join(root, 'cpu.max'), '150000 100000\n');
    expect(cgroupCpuLimit(root)).toBe(2);
    expect(threadCount({}, root)).toBeLessThanOrEqual(2);
    writeFileSync(join(root, 'cpu.max'), 'max 100000\n');
    expect(cgroupCpuLimit(root)).toBeUndefined();
    const v1 = mkdtempSync(join(tmpdir(), 'kindling-cgroup-v1-'));
    mkdirSync(join(v1, 'cpu'));
    writeFileSync(join(v1, 'cpu', 'cpu.cfs_quota_us'), '100000\n');
    writeFileSync(join(v1, 'cpu', 'cpu.cfs_period_us'), '100000\n');
    expect(cgroupCpuLimit(v1)).toBe(1);
    expect(threadCount({}, v1)).toBe(1);
    expect(cgroupCpuLimit(join(root, 'missing'))).toBeUndefined();
  });

  it('sizes the pool as threads - 1 workers: the calling thread computes a share', async () => {
    const saved = process.env['KINDLING_THREADS'];
    process.env['KINDLING_THREADS'] = '3';
    let backend: WorkersBackend;
    try {
      backend = new WorkersBackend();
    } finally {
      if (saved === undefined) delete process.env['KINDLING_THREADS'];
      else process.env['KINDLING_THREADS'] = saved;
    }
    expect(backend.threads).toBe(3);
    expect(backend.pool.workers).toBe(2);
    await backend.ready();
    expect(backend.parallelism()).toBe(3);
    await backend.shutdown();
    const alone = new WorkersBackend({ threads: 1 });
    expect(alone.pool.workers).toBe(0);
    expect(alone.parallelism()).toBe(1);
    await alone.shutdown();
  });
});

describe('workers whose serve loop ended', () => {
  /** Blocks the calling thread for `ms`, as a kernel on it would, without a turn of the event loop. */
  const compute = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

  it("come back at the optimizer's flush in a loop that awaits only promises", async () => {
    const backend = new WorkersBackend({ threads: 2 });
    await backend.ready();
    // Past the 250 ms a worker serves without a call, on a busy calling thread (data loading, say):
    // the serve loop ends, and piscina learns it only from a message that needs a turn of the event loop.
    compute(400);
    expect(backend.parallelism()).toBe(1);
    for (let step = 0; step < 20; step++) {
      compute(5);
      await Promise.resolve();
    }
    expect(backend.parallelism()).toBe(1);
    for (let step = 0; step < 200 && backend.parallelism() === 1; step++) {
      compute(5);
      await backend.flush();
    }
    expect(backend.parallelism()).toBe(2);
    await backend.shutdown();
  });
});

describe('worker failures', () => {
  let backend: WorkersBackend;
  /** Shares that run on the calling thread for a few milliseconds: long enough for a worker to pick its call up. */
  let busy: Share;
  beforeAll(async () => {
    backend = await workersBackend();
    const scratch = backend.heap.allocate('float32', 1 << 23);
    busy = { kernel: 'unaryF32', args: [3, scratch.byteOffset, scratch.byteOffset, scratch.size] };
  });

  /**
   * Runs `share` on worker 1 behind a busy caller, again until the worker (not the caller, which
   * takes back a call no worker has started) runs it: on a loaded machine a worker can wake late.
   */
  function runOnWorker(label: string, share: Share): void {
    for (let attempt = 0; attempt < 50; attempt++) {
      const retracted = backend.pool.stats.retracted;
      try {
        backend.run(label, [busy, share]);
      } catch (error) {
        if (backend.pool.stats.retracted === retracted) throw error;
        continue;
      }
      if (backend.pool.stats.retracted === retracted) return;
    }
    throw new Error('no worker picked the call up in 50 attempts');
  }

  it('fails the op in flight when a worker dies, naming the worker and the op; the next op works', async () => {
    if (backend.pool.workers === 0) return;
    await backend.ready();
    const threadsBefore = backend.pool.threadIds;
    backend.pool.crashOnNextCall(0, 71);
    const idle = { kernel: 'unaryF32' as const, args: [0, 64, 64, 0] };
    expect(() => runOnWorker('a test op', idle)).toThrow(/^workers backend: worker 1 \(thread \d+\) exited with code 71 while running a test op; the op failed/);
    // At once, before any replacement is up: the caller computes alone.
    const [a, x] = pair([256, 256], 1);
    const [b, y] = pair([256, 256], 2);
    const expected = matmul(a, b);
    expectMatches(matmul(x, y), expected, 1e-4);
    // Then on a replacement worker.
    await backend.ready();
    expect(backend.parallelism()).toBe(backend.threads);
    expect(backend.pool.threadIds).not.toEqual(threadsBefore);
    const calls = backend.pool.stats.posted;
    expectMatches(matmul(x, y), expected, 1e-4);
    expect(backend.pool.stats.posted).toBeGreaterThan(calls);
    // The replacement can fail in turn.
    backend.pool.crashOnNextCall(0, 72);
    expect(() => runOnWorker('another op', idle)).toThrow(WorkerFailure);
  });

  it('fails the op when a kernel traps on a worker, and keeps the worker', async () => {
    if (backend.pool.workers === 0) return;
    await backend.ready();
    const outOfBounds = 2 ** 32 - 64;
    const trap = { kernel: 'unaryF32' as const, args: [0, outOfBounds, outOfBounds, 1024] };
    expect(() => runOnWorker('a test op', trap)).toThrow(/^workers backend: worker 1 \(thread \d+\) failed while running a test op: RuntimeError: memory access out of bounds$/);
    expect(() => backend.run('a test op', [trap])).toThrow('memory access out of bounds');
    expect(backend.parallelism()).toBe(backend.threads);
  });
});

describe('process lifetime', () => {
  const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  const tensorDist = fileURLToPath(new URL('../../tensor/dist/index.js', import.meta.url));

  // How long the exit takes is measured by `pnpm bench` (bench/startup.mjs), not asserted here; the
  // child's timeout only keeps a program that never exits from hanging the run.
  it('lets a finished program exit by itself, without close or shutdown', { timeout: 30_000 }, async () => {
    const script = `
      import { registerWorkersBackend } from ${JSON.stringify(dist)};
      import { matmul, randn, setBackend } from ${JSON.stringify(tensorDist)};
      registerWorkersBackend();
      const backend = await setBackend('workers');
      await backend.ready();
      const product = matmul(randn([256, 256]), randn([256, 256]));
      console.log(backend.pool.workers, product.shape.join('x'));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    expect(stdout.trim()).toMatch(/^\d+ 256x256$/);
  });
});
