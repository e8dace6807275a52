/*
 * The piscina task every worker runs: `serve` instantiates the kernel module over the shared
 * memory once per thread, then loops, waiting on its slot of the control block for kernel calls
 * from the main thread. It returns after `idleMs` without a call, so a finished program's pool
 * holds no task and cannot keep the process alive; the main thread submits it again when needed.
 */

import { threadId } from 'node:worker_threads';
import { argsIndex, Field, fieldIndex, MESSAGE_BYTES, messageOffset, SlotState } from './pool/control.js';
import { instantiateKernels, KERNEL_EXPORTS, type KernelInstance } from './pool/kernel-module.js';
import type { CompiledModule, SharedMemory } from './wasm-types.js';

/** What the main thread sends with each serve task. */
export interface ServeTask {
  module: CompiledModule;
  memory: SharedMemory;
  control: SharedArrayBuffer;
  slots: number;
  slot: number;
  idleMs: number;
}

// One pool serves one backend, so a thread instantiates the module once and keeps it.
let instance: KernelInstance | undefined;
let servingSlot: { control: Int32Array; slot: number } | undefined;

// A worker that dies while serving (process.exit, a fatal error) marks its slot dead and wakes the
// main thread, which is blocked in Atomics.wait and cannot see piscina's 'exit' event until it returns.
process.on('exit', (code) => {
  if (!servingSlot) return;
  const { control, slot } = servingSlot;
  Atomics.store(control, fieldIndex(slot, Field.exitCode), code);
  Atomics.store(control, fieldIndex(slot, Field.state), SlotState.dead);
  Atomics.notify(control, fieldIndex(slot, Field.state));
});

function reportError(task: ServeTask, error: unknown): number {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const bytes = new TextEncoder().encode(text);
  const area = new Uint8Array(task.control, messageOffset(task.slots, task.slot), MESSAGE_BYTES);
  const length = Math.min(bytes.length, area.length);
  area.set(bytes.subarray(0, length));
  return Math.max(1, length);
}

function runCall(task: ServeTask, kernels: KernelInstance, control: Int32Array, args: Float64Array): void {
  const { slot } = task;
  const crashCode = Atomics.load(control, fieldIndex(slot, Field.crashCode));
  if (crashCode !== 0) {
    // Disarmed first, so that the replacement worker serving this slot does not crash too.
    Atomics.store(control, fieldIndex(slot, Field.crashCode), 0);
    process.exit(crashCode);
  }
  const name = KERNEL_EXPORTS[Atomics.load(control, fieldIndex(slot, Field.kernel))];
  const count = Atomics.load(control, fieldIndex(slot, Field.argCount));
  const first = argsIndex(slot);
  let errorLength = 0;
  try {
    if (!name) throw new Error('unknown kernel index');
    kernels.kernels[name](...args.subarray(first, first + count));
  } catch (error) {
    // A trap (an out-of-bounds access, say) fails this call only; the thread keeps serving.
    errorLength = reportError(task, error);
  }
  Atomics.store(control, fieldIndex(slot, Field.errorLength), errorLength);
}

/** Serves kernel calls on `task.slot` until idle for `task.idleMs`; resolves to the slot. */
export default function serve(task: ServeTask): number {
  instance ??= instantiateKernels(task.module, task.memory);
  const control = new Int32Array(task.control);
  const args = new Float64Array(task.control);
  const state = fieldIndex(task.slot, Field.state);
  servingSlot = { control, slot: task.slot };
  Atomics.store(control, fieldIndex(task.slot, Field.threadId), threadId);
  Atomics.store(control, state, SlotState.idle);
  Atomics.notify(control, state);
  let idleSince = performance.now();
  for (;;) {
    const current = Atomics.load(control, state);
    if (current === SlotState.posted) {
      if (Atomics.compareExchange(control, state, SlotState.posted, SlotState.running) !== SlotState.posted) continue;
      runCall(task, instance, control, args);
      Atomics.store(control, state, SlotState.idle);
      Atomics.notify(control, state);
      idleSince = performance.now();
      continue;
    }
    if (current !== SlotState.idle) break;
    const remaining = task.idleMs - (performance.now() - idleSince);
    if (remaining <= 0) {
      // Only an idle slot may stop: if the main thread posted a call meanwhile, serve it first.
      if (Atomics.compareExchange(control, state, SlotState.idle, SlotState.stopped) === SlotState.idle) break;
      continue;
    }
    Atomics.wait(control, state, SlotState.idle, remaining);
  }
  servingSlot = undefined;
  return task.slot;
}
