import type { Backend, Storage } from '../backend.js';
import type { FallbackOutput } from '../cpu-fallback.js';
import type { TypedArray } from '../dtype.js';
import type { HostReadMethod } from '../host-reads.js';
import type { KernelName } from '../kernel-names.js';
import type { Tensor } from '../tensor.js';

/*
 * The seam between the engine and a step being captured (see recorder.ts): the engine tells the
 * active recorder of each kernel, upload, freed storage, new tensor and host read. It imports
 * nothing at runtime, so the engine and the recorder do not import each other.
 */

export interface CaptureHooks {
  kernel(name: KernelName, backend: Backend, args: object, output: FallbackOutput | undefined, result: Storage | void): void;
  uploaded(backend: Backend, values: TypedArray, storage: Storage, source: Tensor | undefined): void;
  released(storage: Storage): void;
  tensorMade(tensor: Tensor): void;
  hostRead(tensor: Tensor, method: HostReadMethod): void;
  /** Runs `fn` and records it, not its kernels, to be called again at each replay. */
  replayedHostStep(fn: () => void): void;
  /** The next kernel's arguments are rewritten by `refresh` at each replay. */
  refreshNextKernel(refresh: (args: object) => object): void;
  /** A replay first checks `holds()`; when it no longer does, the step is captured again. */
  guard(holds: () => boolean): void;
  /** At the end of each replay, `rebind` receives a new tensor holding what `tensor` held in the capture. */
  rebind(tensor: Tensor, rebind: (fresh: Tensor) => void): void;
  /** The step cannot be replayed, because of `reason`, unless it made `tensor` itself. */
  requireMade(tensor: Tensor, reason: string): void;
}

let active: CaptureHooks | null = null;

/** The recorder of the step being captured, if one is. */
export function activeCapture(): CaptureHooks | null {
  return active;
}

export function setActiveCapture(hooks: CaptureHooks | null): void {
  active = hooks;
}

/**
 * While a replay runs a recorded host step: each storage of the capture mapped to the one this
 * replay made in its place, so the step's kernels reach this replay's values.
 */
let substitution: ReadonlyMap<Storage, Storage> | null = null;

export function replaySubstitution(): ReadonlyMap<Storage, Storage> | null {
  return substitution;
}

export function setReplaySubstitution(map: ReadonlyMap<Storage, Storage> | null): void {
  substitution = map;
}

/**
 * Runs `fn`, whose kernels only update tensors in place from host-side state that changes from one
 * step to the next (an optimizer's step counts and learning rates). A captured step records `fn`
 * itself and a replay calls it again, its kernels reading that replay's values; outside a capture
 * it just runs.
 */
export function replayable(fn: () => void): void {
  if (active) active.replayedHostStep(fn);
  else fn();
}

/**
 * Says that the next kernel's arguments hold a host-side value that each step draws anew (a random
 * stream): a replay passes them through `refresh` before the kernel runs. Outside a capture it does nothing.
 */
export function refreshOnReplay<A extends object>(refresh: (args: A) => A): void {
  // The recorder keeps it beside the kernel it was declared for, whose arguments are `A`.
  active?.refreshNextKernel(refresh as unknown as (args: object) => object);
}

/**
 * Says that the step being captured depends on host state that `holds` checks (a module's training
 * flag): a replay whose check fails captures the step again instead. Outside a capture it does nothing.
 */
export function guardReplay(holds: () => boolean): void {
  active?.guard(holds);
}

/**
 * Says that `tensor`, made by the step being captured, is state it leaves behind at a place the
 * caller knows (a parameter's `.grad`): at the end of each replay, `rebind` receives a new tensor
 * with that replay's values to put there. Outside a capture it does nothing.
 */
export function rebindOnReplay(tensor: Tensor, rebind: (fresh: Tensor) => void): void {
  active?.rebind(tensor, rebind);
}

/**
 * Says that the step being captured cannot be replayed, because of `reason`, unless it made
 * `tensor` itself (a gradient it accumulates into). Outside a capture it does nothing.
 */
export function requireMadeInStep(tensor: Tensor, reason: string): void {
  active?.requireMade(tensor, reason);
}

/** Whether a step is being captured now. */
export function isCapturing(): boolean {
  return active !== null;
}
