import type { Backend, Storage } from './backend.js';
import { KERNEL_NAMES, type KernelArgs, type KernelName, type KernelResult } from './kernel-names.js';

export type KernelFunc<K extends KernelName, B extends Backend = Backend> =
  B extends Backend<infer S> ? (backend: B, args: KernelArgs<S>[K]) => KernelResult<K, S> : never;

export interface KernelConfig<K extends KernelName = KernelName, B extends Backend = Backend> {
  kernelName: K;
  backendName: string;
  kernelFunc: KernelFunc<K, B>;
}

type AnyKernelFunc = (backend: Backend, args: KernelArgs[KernelName]) => Storage | void;

const kernels = new Map<string, AnyKernelFunc>();

function key(kernelName: string, backendName: string): string {
  return `${backendName}/${kernelName}`;
}

/** Registers `kernelFunc` as the implementation of `kernelName` on `backendName`. */
export function registerKernel<K extends KernelName, B extends Backend>(config: KernelConfig<K, B>): void {
  const id = key(config.kernelName, config.backendName);
  if (kernels.has(id)) {
    throw new Error(`registerKernel: '${config.kernelName}' is already registered for backend '${config.backendName}'`);
  }
  // One erasure point: the engine only calls a kernel with storages of the backend it was registered for.
  kernels.set(id, config.kernelFunc as unknown as AnyKernelFunc);
}

export function unregisterKernel(kernelName: KernelName, backendName: string): void {
  kernels.delete(key(kernelName, backendName));
}

export function getKernel(kernelName: KernelName, backendName: string): AnyKernelFunc | undefined {
  return kernels.get(key(kernelName, backendName));
}

/** The kernel names a backend has registered, for coverage checks. */
export function registeredKernelNames(backendName: string): KernelName[] {
  const prefix = `${backendName}/`;
  return [...kernels.keys()].filter((id) => id.startsWith(prefix)).map((id) => id.slice(prefix.length) as KernelName);
}

/**
 * The kernels a backend accelerates, at most one per kernel name. The others run the cpu
 * implementation through the one fallback (cpu-fallback.ts).
 */
export type KernelTable<B extends Backend> = { readonly [K in KernelName]?: KernelConfig<K, B> };

/** A table with every kernel: the cpu backend's, which the fallback runs. Leaving a name out does not compile. */
export type CompleteKernelTable<B extends Backend> = { readonly [K in KernelName]: KernelConfig<K, B> };

/** Registers every kernel of `table` that is not registered yet, so a backend may call it more than once. */
export function registerKernelTable<B extends Backend>(table: KernelTable<B>): void {
  for (const name of KERNEL_NAMES) registerTableEntry(table, name);
}

// Generic in K so that `table[name]` is `KernelConfig<K, B>` rather than a union of every config.
function registerTableEntry<B extends Backend, K extends KernelName>(table: KernelTable<B>, name: K): void {
  const config = table[name];
  if (config && !getKernel(name, config.backendName)) registerKernel(config);
}
