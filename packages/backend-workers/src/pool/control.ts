/*
 * The control block: a small SharedArrayBuffer through which the main thread hands kernel calls
 * to the workers without messages. Each worker slot owns SLOT_BYTES (a multiple of the 64-byte
 * cache line, so slots never share one) plus MESSAGE_BYTES for an error text.
 */

/** Bytes of one slot: eight int32 fields, then the float64 arguments. */
export const SLOT_BYTES = 256;
/** Where a slot's float64 arguments start, in bytes from the slot's start. */
export const ARGS_OFFSET = 64;
/** The most arguments one kernel call can take. */
export const MAX_ARGS = (SLOT_BYTES - ARGS_OFFSET) / 8;
/** Room for a worker's error message (UTF-8, truncated). */
export const MESSAGE_BYTES = 1024;

/** Int32 fields of a slot, as offsets from the slot's first int32. */
export const Field = {
  /** One of `SlotState`; the word both sides wait on. */
  state: 0,
  /** Index into KERNEL_EXPORTS of the posted call. */
  kernel: 1,
  argCount: 2,
  /** 0 when the last call succeeded, else the length of the error message. */
  errorLength: 3,
  /** Set (to an exit code) to make the worker exit on its next call: how tests kill a worker mid-op. */
  crashCode: 4,
  /** The worker's exit code, written as it dies. */
  exitCode: 5,
  /** The worker's threadId, for error messages. */
  threadId: 6,
} as const;

/**
 * A slot's life: `stopped` (no serve loop), `idle` (serving, waiting), `posted` (the main thread
 * wrote a call; it may take it back with posted → idle until the worker claims it with
 * posted → running), `running`, back to `idle`; `dead` once the worker has exited.
 */
export const SlotState = {
  stopped: 0,
  idle: 1,
  posted: 2,
  running: 3,
  dead: 4,
} as const;

/** The size of a control block for `slots` workers. */
export function controlBytes(slots: number): number {
  return slots * (SLOT_BYTES + MESSAGE_BYTES);
}

/** The int32 index of `field` in `slot`. */
export function fieldIndex(slot: number, field: number): number {
  return (slot * SLOT_BYTES) / 4 + field;
}

/** The float64 index of `slot`'s first argument. */
export function argsIndex(slot: number): number {
  return (slot * SLOT_BYTES + ARGS_OFFSET) / 8;
}

/** The byte offset of `slot`'s message area, after all the slots' fields. */
export function messageOffset(slots: number, slot: number): number {
  return slots * SLOT_BYTES + slot * MESSAGE_BYTES;
}
