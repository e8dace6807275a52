import type { Backend, Storage } from './backend.js';
import { runOnCpu, type FallbackOutput } from './cpu-fallback.js';
import type { KernelArgs, KernelName, KernelResult } from './kernel-names.js';
import { getKernel } from './kernel-registry.js';
import type { Tensor } from './tensor.js';

/*
 * Bookkeeping shared by every tensor: how many live tensors share each storage, and the stack of
 * `tidy` scopes that collect the tensors created inside them.
 */

const storageUsers = new WeakMap<Storage, { backend: Backend; users: number }>();
const scopes: Set<Tensor>[] = [];
let liveTensors = 0;
let liveStorages = 0;

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
  const kernel = getKernel(name, backend.name);
  if (!kernel) return runOnCpu(backend, name, args, output);
  // The registry stores kernels type-erased; each was registered for this name's signature.
  return kernel(backend, args) as KernelResult<K, Storage>;
}

export function adoptStorage(backend: Backend, storage: Storage): void {
  const entry = storageUsers.get(storage);
  if (entry) {
    entry.users++;
    return;
  }
  storageUsers.set(storage, { backend, users: 1 });
  liveStorages++;
}

export function dropStorage(storage: Storage): void {
  const entry = storageUsers.get(storage);
  if (!entry) return;
  entry.users--;
  if (entry.users === 0) {
    storageUsers.delete(storage);
    liveStorages--;
    entry.backend.release(storage);
  }
}

export function trackTensor(tensor: Tensor): void {
  liveTensors++;
  collected.register(tensor, tensor.storage, tensor);
  scopes.at(-1)?.add(tensor);
}

export function untrackTensor(tensor: Tensor): void {
  liveTensors--;
  collected.unregister(tensor);
  for (const scope of scopes) scope.delete(tensor);
}

/** Live tensors and storages, for leak checks: `tidy` should leave both where they were. */
export function memory(): { numTensors: number; numStorages: number } {
  return { numTensors: liveTensors, numStorages: liveStorages };
}

/** Every tensor reachable from `root` through arrays, maps and object properties (iteratively: graphs can be deep). */
function collectTensors(root: unknown, isTensor: (v: unknown) => v is Tensor): Set<Tensor> {
  const found = new Set<Tensor>();
  const seen = new Set<unknown>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (isTensor(value)) found.add(value);
    else if (Array.isArray(value)) pending.push(...value);
    else if (value instanceof Map) pending.push(...value.values());
    else pending.push(...Object.values(value));
  }
  return found;
}

/** `tidy`'s machinery; tensors are reachable from the result through arrays, maps and object properties. */
export function tidyWith<T>(fn: () => T, isTensor: (v: unknown) => v is Tensor): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    // What the failed function created is freed too, as TensorFlow.js's tidy does; left to the
    // garbage collector, a GPU backend's buffers would stay allocated until some later collection.
    scopes.pop();
    closeScope(scope, new Set());
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) {
    closeScope(scope, new Set());
    throw new Error('tidy: the function returned a Promise; tidy only tracks synchronous work, so await outside it');
  }
  closeScope(scope, collectTensors(result, isTensor));
  return result;
}

/** Disposes a finished scope's tensors, except those in `kept` or marked kept, which move to the enclosing scope. */
function closeScope(scope: Set<Tensor>, kept: Set<Tensor>): void {
  const parent = scopes.at(-1);
  for (const tensor of scope) {
    if (kept.has(tensor) || tensor.isKept) parent?.add(tensor);
    else tensor.dispose();
  }
}
