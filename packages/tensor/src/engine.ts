import type { Backend, Storage } from './backend.js';
import { activeCapture, replaySubstitution } from './capture/hooks.js';
import { runOnCpu, type FallbackOutput } from './cpu-fallback.js';
import type { DType, TypedArray } from './dtype.js';
import { mapStorages } from './kernel-args.js';
import { isInPlaceKernel, WRITTEN_ARGUMENTS, type KernelArgs, type KernelName, type KernelResult } from './kernel-names.js';
import { getKernel } from './kernel-registry.js';
import type { Tensor } from './tensor.js';

/*
 * Bookkeeping shared by every tensor: how many live tensors share each storage, and the stack of
 * scopes (`tidy`, a Module's forward, a DataLoader's batches) that collect the tensors created
 * inside them.
 */

const storageUsers = new WeakMap<Storage, { backend: Backend; users: number }>();

/** Tensors created while a scope was innermost; closing it frees them, except what it keeps. */
interface Scope {
  readonly tensors: Set<Tensor>;
  /** The serial of the first tensor created inside it: anything older was made before it opened. */
  readonly firstSerial: number;
}

const scopes: Scope[] = [];
let liveTensors = 0;
let liveStorages = 0;
let liveBytes = 0;
let peakBytes = 0;
let nextSerial = 0;

const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** The bytes `storage` holds. */
export function storageBytes(storage: Storage): number {
  return storage.size * BYTES_PER_ELEMENT[storage.dtype];
}

// A tensor that is garbage-collected without dispose() still hands its storage back, so code
// written the PyTorch way (never disposing) does not leak on the CPU.
const collected = new FinalizationRegistry<Storage>((storage) => {
  liveTensors--;
  dropStorage(storage);
});

/**
 * Runs the kernel `name` registered for `backend`, or the cpu implementation through the one
 * fallback when the backend registers none. `output` (a producing kernel's dtype and size; none for
 * in-place kernels) is what the fallback needs to hand back a storage before an asynchronous
 * backend's inputs are read.
 */
export function runKernel<K extends KernelName>(
  name: K,
  backend: Backend,
  args: KernelArgs[K],
  output?: FallbackOutput,
): KernelResult<K, Storage> {
  const substitution = kernelDepth === 0 ? replaySubstitution() : null;
  const actual = substitution ? (mapStorages(args, (storage) => substitution.get(storage) ?? storage) as KernelArgs[K]) : args;
  if (isInPlaceKernel(name)) noteWrites(WRITTEN_ARGUMENTS[name] as readonly string[], actual);
  // A kernel may run others: a capture records only the outermost, which a replay runs whole.
  const capture = kernelDepth === 0 ? activeCapture() : null;
  kernelDepth++;
  let result: KernelResult<K, Storage>;
  try {
    const kernel = getKernel(name, backend.name);
    // The registry stores kernels type-erased; each was registered for this name's signature.
    result = kernel ? (kernel(backend, actual) as KernelResult<K, Storage>) : runOnCpu(backend, name, actual, output);
  } finally {
    kernelDepth--;
  }
  capture?.kernel(name, backend, actual, output, result);
  return result;
}

let kernelDepth = 0;

/**
 * A storage of `backend` holding a copy of `values`, as a step being captured sees it: constants,
 * unless they were read from the tensor `source` (a copy between backends).
 */
export function uploadValues(backend: Backend, values: TypedArray, source?: Tensor): Storage {
  const storage = backend.upload(values);
  activeCapture()?.uploaded(backend, values, storage, source);
  return storage;
}

/** How many in-place writes each storage has had: a graph compares them with what it saw when it saved a tensor. */
const writeVersions = new WeakMap<Storage, number>();

/** The number of in-place writes `storage` has had so far. */
export function writeVersion(storage: Storage): number {
  return writeVersions.get(storage) ?? 0;
}

function noteWrites(written: readonly string[], args: object): void {
  for (const name of written) {
    const value: unknown = (args as Record<string, unknown>)[name];
    if (value === null || typeof value !== 'object') continue;
    const storage = 'storage' in value ? (value.storage as Storage) : (value as Storage);
    writeVersions.set(storage, writeVersion(storage) + 1);
  }
}

export function adoptStorage(backend: Backend, storage: Storage): void {
  const entry = storageUsers.get(storage);
  if (entry) {
    entry.users++;
    return;
  }
  storageUsers.set(storage, { backend, users: 1 });
  liveStorages++;
  liveBytes += storageBytes(storage);
  peakBytes = Math.max(peakBytes, liveBytes);
}

/** How many tensors (and replays) hold `storage`: 0 once it went back to its backend. */
export function storageUserCount(storage: Storage): number {
  return storageUsers.get(storage)?.users ?? 0;
}

/**
 * Points `tensor`'s hold from `from` to `to`: the new storage gains a user and the old one loses
 * one, and a tensor collected without dispose() hands back the storage it holds now.
 */
export function moveHold(tensor: Tensor, from: Storage, to: Storage): void {
  adoptStorage(tensor.backend, to);
  collected.unregister(tensor);
  collected.register(tensor, to, tensor);
  dropStorage(from);
}

/** Whether some tensor (or a replay) still holds `storage`. */
export function isStorageHeld(storage: Storage): boolean {
  return storageUsers.has(storage);
}

export function dropStorage(storage: Storage): void {
  const entry = storageUsers.get(storage);
  if (!entry) return;
  entry.users--;
  if (entry.users === 0) {
    activeCapture()?.released(storage);
    storageUsers.delete(storage);
    liveStorages--;
    liveBytes -= storageBytes(storage);
    entry.backend.release(storage);
  }
}

/** Registers a new tensor with the innermost scope; returns its serial (creation order). */
export function trackTensor(tensor: Tensor): number {
  liveTensors++;
  collected.register(tensor, tensor.storage, tensor);
  scopes.at(-1)?.tensors.add(tensor);
  activeCapture()?.tensorMade(tensor);
  return nextSerial++;
}

export function untrackTensor(tensor: Tensor): void {
  liveTensors--;
  collected.unregister(tensor);
  for (const scope of scopes) scope.tensors.delete(tensor);
}

/** What `memory()` reports. */
export interface MemoryInfo {
  /** Tensor objects not yet freed (views count once each). */
  numTensors: number;
  /** Storages some live tensor still uses. */
  numStorages: number;
  /** The bytes those storages hold. */
  numBytes: number;
  /** The most `numBytes` has been since the process started or `resetPeakMemory()` was last called. */
  peakBytes: number;
}

/**
 * Live tensors, storages and bytes, for leak checks: a training loop should leave them where they
 * were from one step to the next.
 */
export function memory(): MemoryInfo {
  return { numTensors: liveTensors, numStorages: liveStorages, numBytes: liveBytes, peakBytes };
}

/** Starts `memory().peakBytes` again from the bytes live now (PyTorch's `reset_peak_memory_stats`). */
export function resetPeakMemory(): void {
  peakBytes = liveBytes;
}

/**
 * An object that says which of its references keep tensors alive when a scope's result reaches it,
 * instead of all its properties: a Variable names its data and gradient, a graph node the tensors
 * it saved for backward. `firstSerial` is the scope's: a node made before the scope opened holds
 * nothing of it, so the walk stops there instead of going through the whole graph.
 */
export const SCOPE_REFERENCES = Symbol.for('kindling.scopeReferences');

export interface ScopeReferences {
  [SCOPE_REFERENCES](firstSerial: number): readonly unknown[];
}

function hasScopeReferences(value: object): value is ScopeReferences {
  return typeof (value as Partial<ScopeReferences>)[SCOPE_REFERENCES] === 'function';
}

/** Every tensor reachable from `root` through arrays, maps and object properties (iteratively: graphs can be deep). */
function collectTensors(root: unknown, isTensor: (v: unknown) => v is Tensor, firstSerial: number): Set<Tensor> {
  const found = new Set<Tensor>();
  const seen = new Set<unknown>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (isTensor(value)) found.add(value);
    else if (hasScopeReferences(value)) pending.push(...value[SCOPE_REFERENCES](firstSerial));
    else if (Array.isArray(value)) pending.push(...value);
    else if (value instanceof Map) pending.push(...value.values());
    else pending.push(...Object.values(value));
  }
  return found;
}

function openScope(): Scope {
  const scope = { tensors: new Set<Tensor>(), firstSerial: nextSerial };
  scopes.push(scope);
  return scope;
}

/**
 * `tidy`'s machinery; tensors are reachable from the result through arrays, maps and object
 * properties. `where` says, in the error of a later read, when the freed tensors were freed.
 */
export function tidyWith<T>(
  fn: () => T,
  isTensor: (v: unknown) => v is Tensor,
  where = 'when the tidy() it was made in ended',
  promises: 'refuse' | 'pass' = 'refuse',
): T {
  const scope = openScope();
  let result: T;
  try {
    result = fn();
  } catch (error) {
    // What the failed function created is freed too, as TensorFlow.js's tidy does; left to the
    // garbage collector, a GPU backend's buffers would stay allocated until some later collection.
    scopes.pop();
    closeScope(scope, new Set(), where);
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) {
    // An asynchronous function may still use anything it made: its tensors go to the enclosing scope.
    if (promises === 'pass') {
      closeScope(scope, new Set(scope.tensors), where);
      return result;
    }
    closeScope(scope, new Set(), where);
    throw new Error('tidy: the function returned a Promise; tidy only tracks synchronous work, so await outside it');
  }
  closeScope(scope, collectTensors(result, isTensor, scope.firstSerial), where);
  return result;
}

/**
 * Disposes a finished scope's tensors, except those in `kept` or marked kept, which move to the
 * enclosing scope (or to none: at the top level they live until disposed or collected).
 */
function closeScope(scope: Scope, kept: Set<Tensor>, where: string): void {
  const parent = scopes.at(-1);
  for (const tensor of scope.tensors) {
    if (kept.has(tensor) || tensor.isKept) parent?.tensors.add(tensor);
    else tensor.free(where);
  }
}

/**
 * A scope that stays open across awaits, for a loop whose iterations are its steps: `advance()`
 * starts a new step and frees what was made, and not kept, in the step before the last one, so
 * the current and the previous step's tensors can still be read. `pause()` stops collecting (the
 * loop ended or broke off) and frees nothing; a later `advance()` goes on from the paused steps, so
 * a second pass frees the first one's last steps. Only the innermost scope collects: inside a
 * `tidy` within a step, that `tidy` decides.
 */
export class StepScopes {
  private current: Scope;
  private previous: Scope | null = null;
  private collecting = true;

  constructor(private readonly where: string) {
    this.current = openScope();
  }

  advance(): void {
    this.pause();
    const stale = this.previous;
    this.previous = this.current;
    this.current = openScope();
    this.collecting = true;
    if (stale === null) return;
    for (const tensor of stale.tensors) {
      if (tensor.isKept) this.current.tensors.add(tensor);
      else tensor.free(this.where);
    }
  }

  pause(): void {
    if (!this.collecting) return;
    this.collecting = false;
    // Other scopes may have opened above this one meanwhile (another loop's steps).
    const at = scopes.lastIndexOf(this.current);
    if (at !== -1) scopes.splice(at, 1);
  }
}
