import { Piscina } from 'piscina';
import type { ServeTask } from '../worker.js';
import { argsIndex, controlBytes, Field, fieldIndex, MAX_ARGS, MESSAGE_BYTES, messageOffset, SlotState } from './control.js';
import { KERNEL_EXPORTS, type KernelExport, type KernelInstance } from './kernel-module.js';

// Resolves to the package's dist/ both from src/pool (tests run the sources) and from dist/pool.
const WORKER_URL = new URL('../../dist/worker.js', import.meta.url);

/**
 * How long a worker keeps serving without a call before its task returns. While a serve task runs,
 * piscina keeps the process alive, so this bounds how long a finished program lingers; during
 * training a worker sees a call every few milliseconds and never stops.
 */
const IDLE_MS = 250;
/** Serve tasks that may fail in a row on one slot before it is given up (the caller computes alone). */
const MAX_SERVE_FAILURES = 3;
/** The slice of each blocking wait: a safety net should a wake-up (completion or death) be missed. */
const WAIT_SLICE_MS = 100;

/** The work of one thread: a kernel of the module and its arguments (pointers, sizes, scalars). */
export interface Share {
  readonly kernel: KernelExport;
  readonly args: readonly number[];
}

/** Thrown when a worker dies, or a kernel traps on it, during an op; the next op works without it. */
export class WorkerFailure extends Error {
  override readonly name = 'WorkerFailure';
}

/**
 * The main thread's view of the piscina pool: `workers` slots, each served by one long-running
 * piscina task, driven synchronously through the shared control block. The calling thread always
 * computes the first share itself, so `threads` compute threads need `threads - 1` workers.
 */
export class ThreadPool {
  private readonly piscina: Piscina<ServeTask, number> | undefined;
  private readonly buffer: SharedArrayBuffer;
  private readonly control: Int32Array;
  private readonly args: Float64Array;
  /** Whether a serve task is submitted and unsettled, per slot. */
  private readonly requested: boolean[];
  /** Serve tasks that failed in a row, per slot: a worker that cannot even start is not retried forever. */
  private readonly failures: number[];
  private closed = false;
  /** Calls handed to workers, and those the caller took back because no worker had started them. */
  readonly stats = { posted: 0, retracted: 0 };

  constructor(
    readonly workers: number,
    private readonly serveTask: Omit<ServeTask, 'slot' | 'control' | 'slots' | 'idleMs'>,
    private readonly local: KernelInstance,
  ) {
    this.buffer = new SharedArrayBuffer(controlBytes(workers));
    this.control = new Int32Array(this.buffer);
    this.args = new Float64Array(this.buffer);
    this.requested = new Array<boolean>(workers).fill(false);
    this.failures = new Array<number>(workers).fill(0);
    if (workers === 0) return;
    this.piscina = new Piscina<ServeTask, number>({
      filename: WORKER_URL.href,
      minThreads: workers,
      maxThreads: workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
    // A worker that fails with no task in flight is replaced by piscina; there is no op to fail.
    this.piscina.on('error', () => undefined);
    for (let slot = 0; slot < workers; slot++) this.startServing(slot);
  }

  /** Submits the serve task for `slot` unless one is pending; piscina picks (or replaces) the worker. */
  private startServing(slot: number): void {
    if (this.closed || this.requested[slot] || !this.piscina || (this.failures[slot] as number) >= MAX_SERVE_FAILURES) return;
    this.requested[slot] = true;
    const task: ServeTask = { ...this.serveTask, control: this.buffer, slots: this.workers, slot, idleMs: IDLE_MS };
    this.piscina.run(task).then(
      () => {
        this.requested[slot] = false;
        this.failures[slot] = 0;
      },
      () => {
        // Either the worker died while serving (marked dead by its exit handler; piscina has already
        // started a replacement, which the resubmission occupies) or the task could not start there.
        this.requested[slot] = false;
        const diedServing = this.state(slot) === SlotState.dead;
        this.failures[slot] = diedServing ? 0 : (this.failures[slot] as number) + 1;
        this.startServing(slot);
      },
    );
  }

  private state(slot: number): number {
    return Atomics.load(this.control, fieldIndex(slot, Field.state));
  }

  /**
   * How many threads could take a share now: the caller plus every idle worker. Workers whose serve
   * task has ended are asked back here, so they are ready for a later op.
   */
  parallelism(): number {
    let threads = 1;
    for (let slot = 0; slot < this.workers; slot++) {
      const state = this.state(slot);
      if (state === SlotState.idle) threads++;
      else if (state === SlotState.stopped || state === SlotState.dead) this.startServing(slot);
    }
    return threads;
  }

  /**
   * Runs `shares[0]` on the calling thread and the others on idle workers (on the calling thread
   * when no worker is idle), waits for all of them, then throws the first failure. `label` names
   * the op in error messages.
   */
  run(label: string, shares: readonly Share[]): void {
    const posted: { slot: number; share: Share }[] = [];
    const local: Share[] = shares.slice(0, 1);
    let slot = 0;
    for (const share of shares.slice(1)) {
      while (slot < this.workers && !this.post(slot, share)) slot++;
      if (slot < this.workers) posted.push({ slot: slot++, share });
      else local.push(share);
    }
    let failure: unknown;
    for (const share of local) failure ??= this.runLocally(share);
    for (const { slot: postedSlot, share } of posted) {
      // A worker that has not even picked its call up by now is descheduled or slow to wake: the
      // caller takes the call back and runs it itself rather than wait.
      const index = fieldIndex(postedSlot, Field.state);
      if (Atomics.compareExchange(this.control, index, SlotState.posted, SlotState.idle) === SlotState.posted) {
        this.stats.retracted++;
        failure ??= this.runLocally(share);
      } else {
        failure ??= this.await(postedSlot, label);
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** Runs `share` on the calling thread; what it threw, if anything. */
  private runLocally(share: Share): unknown {
    try {
      this.local.kernels[share.kernel](...share.args);
      return undefined;
    } catch (error) {
      return error;
    }
  }

  /** Writes `share` into `slot` and claims the slot if its worker is idle; false when it is not. */
  private post(slot: number, share: Share): boolean {
    if (this.state(slot) !== SlotState.idle) return false;
    if (share.args.length > MAX_ARGS) throw new Error(`internal: ${share.kernel} takes at most ${MAX_ARGS} arguments`);
    this.args.set(share.args, argsIndex(slot));
    Atomics.store(this.control, fieldIndex(slot, Field.kernel), KERNEL_EXPORTS.indexOf(share.kernel));
    Atomics.store(this.control, fieldIndex(slot, Field.argCount), share.args.length);
    // The compare-and-swap settles the race with a worker that is stopping after its idle timeout.
    if (Atomics.compareExchange(this.control, fieldIndex(slot, Field.state), SlotState.idle, SlotState.posted) !== SlotState.idle) return false;
    Atomics.notify(this.control, fieldIndex(slot, Field.state));
    this.stats.posted++;
    return true;
  }

  /** Blocks until `slot` finishes its call; the failure, if any, as an error naming the worker and `label`. */
  private await(slot: number, label: string): WorkerFailure | undefined {
    const index = fieldIndex(slot, Field.state);
    for (;;) {
      const state = Atomics.load(this.control, index);
      if (state === SlotState.idle || state === SlotState.stopped) return this.callError(slot, label);
      if (state === SlotState.dead) {
        const code = Atomics.load(this.control, fieldIndex(slot, Field.exitCode));
        return new WorkerFailure(`${this.describe(slot)} exited with code ${code} while running ${label}; the op failed, and a replacement worker is starting`);
      }
      Atomics.wait(this.control, index, state, WAIT_SLICE_MS);
    }
  }

  private callError(slot: number, label: string): WorkerFailure | undefined {
    const length = Atomics.load(this.control, fieldIndex(slot, Field.errorLength));
    if (length === 0) return undefined;
    const bytes = new Uint8Array(this.buffer, messageOffset(this.workers, slot), Math.min(length, MESSAGE_BYTES)).slice();
    return new WorkerFailure(`${this.describe(slot)} failed while running ${label}: ${new TextDecoder().decode(bytes)}`);
  }

  private describe(slot: number): string {
    return `workers backend: worker ${slot + 1} (thread ${Atomics.load(this.control, fieldIndex(slot, Field.threadId))})`;
  }

  /**
   * For tests: the next call posted to `slot` makes its worker exit with `code`, as a crash would.
   */
  crashOnNextCall(slot: number, code = 70): void {
    Atomics.store(this.control, fieldIndex(slot, Field.crashCode), code);
  }

  /** Resolves once every worker is serving (or `timeoutMs` has passed), asking stopped ones back. */
  async ready(timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.parallelism() < this.workers + 1 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** The worker threads piscina runs now. */
  get threadIds(): number[] {
    return this.piscina?.threads.map((thread) => thread.threadId) ?? [];
  }

  /** Stops the serve loops and terminates the workers. */
  async close(): Promise<void> {
    this.closed = true;
    await this.piscina?.destroy();
  }
}
