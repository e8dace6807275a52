import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

/**
 * Backend-owned memory holding `size` elements of `dtype`. Each backend extends this with its own
 * handle (a typed array, a GPU buffer, a shared-memory slice); tensors only ever hold it opaquely.
 */
export interface Storage {
  readonly dtype: DType;
  readonly size: number;
}

/** A strided window onto a storage: what a kernel receives for each tensor input. */
export interface View<S extends Storage = Storage> {
  readonly storage: S;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * The memory half of the Backend contract. The compute half is the set of kernels registered for the
 * backend's name (see kernel-registry.ts), one per kernel name in kernel-names.ts.
 */
export interface Backend<S extends Storage = Storage> {
  readonly name: string;
  /** Whether `readSync` exists: asynchronous backends (GPUs) only answer `await t.data()`. */
  readonly synchronous: boolean;
  readonly supportedDTypes: readonly DType[];
  /**
   * The largest tensor the backend can hold, and why (`reason`, said in errors): creating a larger
   * one fails at once with an error naming the shape and the bytes, before any allocation.
   */
  readonly tensorLimit?: TensorLimit;
  /**
   * Whether each kernel launch costs the host enough (a GPU's dispatch) that updating many tensors
   * with one launch pays for lining them up first: the optimizers then pack each parameter group
   * (see `foreach` in @kindling/optim). Where launches are cheap (cpu, workers), the copy of the
   * gradients that packing needs costs more than it saves.
   */
  readonly prefersFewerLaunches?: boolean;
  /** Storage holding a copy of `values`. */
  upload(values: TypedArray): S;
  /** A copy of the storage's elements. */
  read(storage: S): Promise<TypedArray>;
  readSync?(storage: S): TypedArray;
  release(storage: S): void;
  /** How many storages are allocated and not yet released: leak checks read it. */
  liveStorageCount(): number;
  /**
   * A point of backpressure for asynchronous backends: submits the queued work and resolves once
   * the device has caught up. A backend may leave the latest flush's work running (so the host
   * prepares the next step meanwhile); reading a result always waits for the work behind it.
   */
  flush?(): Promise<void>;
  /**
   * How the cpu fallback (cpu-fallback.ts) reaches this backend's memory, for kernels the backend
   * does not register. Without it, a backend with `readSync` falls back on copies.
   */
  readonly hostAccess?: HostAccess<S>;
  /** Frees everything the backend holds (worker pools, devices). */
  shutdown?(): Promise<void> | void;
  /**
   * Starts recording the device work of a step being captured (see `compile()`), which its
   * replays then resubmit as recorded instead of running the kernels again. Optional: without it,
   * a replay runs each kernel.
   */
  recordWork?(): WorkRecorder<S>;
}

/** The device work of a step as it is captured, in segments (see `Backend.recordWork`). */
export interface WorkRecorder<S extends Storage = Storage> {
  /**
   * Ends the segment recorded since the last cut, because work that each replay runs through its
   * kernels again comes next (a random draw, an optimizer's update). Returns the segment's number.
   */
  cut(): number;
  /**
   * Stops recording. `inputs` are the storages whose values each replay replaces. Returns the
   * recorded work, or why it cannot be resubmitted as recorded (it read device memory back, say).
   */
  finish(inputs: readonly S[]): RecordedWork<S> | string;
  /** Stops recording and keeps nothing. */
  abandon(): void;
}

/**
 * A step's device work, held with memory of its own: every storage the step made keeps its place,
 * so a segment resubmits with no kernel run, and each replay overwrites the values of the last.
 */
export interface RecordedWork<S extends Storage = Storage> {
  /** Copies each replay's inputs into the recording's own input memory. */
  load(inputs: readonly S[]): void;
  /** The recording's own storage for input `index`, for kernels that run again. */
  input(index: number): S;
  /** Submits segment `segment` again. */
  run(segment: number): void;
  /** A storage over the memory where the recorded `storage` lives, for a tensor to hold until the next replay. */
  borrow(storage: S): S;
  /** Copies `from` into the memory where the recorded storage `to` lives (a kernel run again in its place). */
  copyInto(from: S, to: S): void;
  /** A new storage (the caller's) holding a copy of what the recorded `storage` holds now. */
  copyOut(storage: S): S;
  /** Gives the recording's memory back. */
  dispose(): void;
}

/** How the cpu fallback reaches a backend's memory. */
export interface HostAccess<S extends Storage> {
  /** The storage's elements as a host array, or a promise of them on asynchronous backends. */
  hostArray(storage: S): TypedArray | Promise<TypedArray>;
  /** Whether `hostArray` aliases the storage, so that writes land in it (needed for in-place kernels). */
  readonly aliasesStorage: boolean;
  /** A new storage holding `values` (taken over by the backend), which may still be computing. */
  adoptHost(dtype: DType, size: number, values: TypedArray | Promise<TypedArray>): S;
  /**
   * Gives `storage` the contents `values` (taken over by the backend, possibly still computing):
   * how an in-place kernel run on host copies lands in memory that `hostArray` does not alias.
   */
  replaceHost?(storage: S, values: TypedArray | Promise<TypedArray>): void;
}

/** A backend's bound on one tensor, in elements or in bytes (or both). */
export interface TensorLimit {
  maxElements?: number;
  maxBytes?: number;
  reason: string;
}

export type BackendFactory = () => Backend | Promise<Backend>;
