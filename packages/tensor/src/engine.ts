import type { Backend, Storage } from './backend.js';
import type { KernelArgs, KernelName } from './kernel-names.js';
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

export function runKernel<K extends KernelName>(name: K, backend: Backend, args: KernelArgs[K]): Storage {
  const kernel = getKernel(name, backend.name);
  if (!kernel) {
    throw new Error(`backend '${backend.name}' has no kernel '${name}': register one with registerKernel, or move the tensors to another device with t.to(name)`);
  }
  return kernel(backend, args);
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

function collectTensors(value: unknown, isTensor: (v: unknown) => v is Tensor, found: Set<Tensor>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensor(value)) {
    found.add(value);
    return;
  }
  const items: Iterable<unknown> = Array.isArray(value) ? value : value instanceof Map ? value.values() : Object.values(value);
  for (const item of items) collectTensors(item, isTensor, found, seen);
}

/** `tidy`'s machinery; tensors are reachable from the result through arrays, maps and object properties. */
export function tidyWith<T>(fn: () => T, isTensor: (v: unknown) => v is Tensor): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) {
    throw new Error('tidy: the function returned a Promise; tidy only tracks synchronous work, so await outside it');
  }
  const kept = new Set<Tensor>();
  collectTensors(result, isTensor, kept, new Set());
  const parent = scopes.at(-1);
  for (const tensor of scope) {
    if (kept.has(tensor) || tensor.isKept) parent?.add(tensor);
    else tensor.dispose();
  }
  return result;
}
