import type { Backend, HostAccess, Storage } from './backend.js';
import { CpuBackend, CpuStorage } from './backends/cpu/cpu-backend.js';
import { dtypeOfTypedArray, type DType, type TypedArray } from './dtype.js';
import { isInPlaceKernel, WRITTEN_ARGUMENTS, type KernelArgs, type KernelName, type KernelResult } from './kernel-names.js';
import { mapStorages, storagesIn } from './kernel-args.js';
import { getKernel } from './kernel-registry.js';

/*
 * The one cpu fallback. A backend registers only the kernels it accelerates; any other kernel runs
 * the cpu backend's implementation on the backend's memory: in place where that memory is host
 * visible (workers' shared memory), else on host copies of the inputs, with the result uploaded
 * (or, on an asynchronous backend, uploaded once the inputs have been read back); an in-place
 * kernel's written storages then take the copies' new contents (`HostAccess.replaceHost`). Each such kernel
 * is listed once in `fallbacksOf(backend)` (a backend's `fallbacks`) with its reason. Where the
 * fallback copies between the backend's memory and the host (a GPU), the first one prints one line:
 * that costs transfers a user should know of. Where it runs on the backend's own memory in place
 * (workers' shared memory), it costs nothing more, and the list is where to look.
 */

/** A kernel that ran on the cpu implementation, and why. */
export interface Fallback {
  readonly kernel: string;
  readonly reason: string;
}

/** Why a kernel the backend did not register runs on the cpu implementation. */
export const UNREGISTERED_REASON = 'the backend registers no kernel of its own for it';

const recorded = new WeakMap<Backend, Fallback[]>();
const announced = new WeakSet<Backend>();

/** The kernels `backend` has run on the cpu implementation, each once, in the order they first ran. */
export function fallbacksOf(backend: Backend): readonly Fallback[] {
  return recorded.get(backend) ?? [];
}

/**
 * Records that `kernel` ran on the cpu implementation on `backend`. Unless `quiet`, the backend's
 * first announced record prints one line.
 */
export function noteFallback(backend: Backend, kernel: string, reason: string, options: { quiet?: boolean } = {}): void {
  const list = recorded.get(backend) ?? [];
  if (list.some((f) => f.kernel === kernel && f.reason === reason)) return;
  if (!options.quiet && !announced.has(backend)) {
    announced.add(backend);
    console.warn(`kindling ${backend.name}: running ${kernel} on the cpu backend's kernel (${reason}); backend.fallbacks lists every such kernel`);
  }
  list.push({ kernel, reason });
  recorded.set(backend, list);
}

// The cpu kernels hand their results to `adopt` on this private instance, never to the registry's.
const cpu = new CpuBackend();

function hostAccessOf<S extends Storage>(backend: Backend<S>, kernel: string): HostAccess<S> {
  if (backend.hostAccess) return backend.hostAccess;
  const readSync = backend.readSync?.bind(backend);
  if (!readSync) {
    throw new Error(
      `backend '${backend.name}' has no kernel '${kernel}' and no way for the cpu fallback to reach its memory: ` +
        `register a '${kernel}' kernel for it, or give it a hostAccess`,
    );
  }
  return {
    hostArray: readSync,
    aliasesStorage: false,
    adoptHost: (_dtype, _size, values) => {
      if (values instanceof Promise) throw new Error(`internal: backend '${backend.name}' is synchronous but was handed pending values`);
      return backend.upload(values);
    },
  };
}

/** `args` with every storage replaced by the cpu storage over its host array. */
function onCpuStorages(args: object, cpuOf: Map<Storage, CpuStorage>): object {
  return mapStorages(args, (storage) => cpuOf.get(storage));
}

function runCpuKernel(name: KernelName, args: object, arrays: Map<Storage, TypedArray>): Storage | void {
  const kernel = getKernel(name, 'cpu');
  if (!kernel) throw new Error(`the cpu backend has no '${name}' kernel to fall back on; call registerCpuBackend() first`);
  const cpuOf = new Map([...arrays].map(([storage, values]) => [storage, new CpuStorage(values)]));
  // The cpu kernel receives the same arguments with cpu storages in place of the backend's.
  return kernel(cpu, onCpuStorages(args, cpuOf) as KernelArgs[KernelName]);
}

function resultValues(name: KernelName, result: Storage | void): TypedArray {
  if (typeof result === 'object' && 'values' in result) return (result as CpuStorage).values;
  throw new Error(`internal: the cpu '${name}' kernel returned no storage`);
}

/** What a producing kernel writes: its dtype and element count (known to the op layer before it runs). */
export interface FallbackOutput {
  readonly dtype: DType;
  readonly size: number;
}

/**
 * Runs the cpu implementation of `name` for `backend` on `args`, records it with `reason`, and
 * returns the result as a storage of `backend`. `output` is needed where the backend's memory is
 * read asynchronously; in-place kernels need host-visible memory.
 */
export function runOnCpu<K extends KernelName, S extends Storage>(
  backend: Backend<S>,
  name: K,
  args: KernelArgs<S>[K],
  output?: FallbackOutput,
  reason: string = UNREGISTERED_REASON,
): KernelResult<K, S> {
  const access = hostAccessOf(backend, name);
  noteFallback(backend, name, reason, { quiet: access.aliasesStorage });
  const storages = storagesIn(args) as S[];
  const hosts = storages.map((storage) => access.hostArray(storage));
  if (!isInPlaceKernel(name)) {
    const compute = (arrays: TypedArray[]) => resultValues(name, runCpuKernel(name, args, new Map(storages.map((storage, i) => [storage, arrays[i] as TypedArray]))));
    if (!hosts.some((host) => host instanceof Promise)) {
      const values = compute(hosts as TypedArray[]);
      return access.adoptHost(output?.dtype ?? dtypeOfTypedArray(values), values.length, values) as KernelResult<K, S>;
    }
    if (!output) throw new Error(`internal: the cpu fallback for '${name}' on the asynchronous backend '${backend.name}' needs the output's dtype and size`);
    return access.adoptHost(output.dtype, output.size, Promise.all(hosts.map((host) => Promise.resolve(host))).then(compute)) as KernelResult<K, S>;
  }
  if (access.aliasesStorage && !hosts.some((host) => host instanceof Promise)) {
    runCpuKernel(name, args, new Map(storages.map((storage, i) => [storage, hosts[i] as TypedArray])));
    // In-place kernels return nothing; the cast states that for the conditional result type.
    return undefined as KernelResult<K, S>;
  }
  const replaceHost = access.replaceHost?.bind(access);
  if (!replaceHost) {
    throw new Error(`backend '${backend.name}' has no in-place kernel '${name}', and the cpu fallback cannot write its memory: register a '${name}' kernel for it`);
  }
  // On host copies, whose new contents then replace the written storages' (later, where reads are asynchronous).
  const writtenNames: readonly string[] = WRITTEN_ARGUMENTS[name] as readonly string[];
  const written = storagesIn(Object.fromEntries(writtenNames.map((arg) => [arg, (args as Record<string, unknown>)[arg]])));
  const compute = (arrays: TypedArray[]): TypedArray[] => {
    const copies = arrays.map((values) => values.slice());
    runCpuKernel(name, args, new Map(storages.map((storage, i) => [storage, copies[i] as TypedArray])));
    return written.map((storage) => copies[storages.indexOf(storage as S)] as TypedArray);
  };
  if (!hosts.some((host) => host instanceof Promise)) {
    compute(hosts as TypedArray[]).forEach((values, i) => replaceHost(written[i] as S, values));
  } else {
    const results = Promise.all(hosts.map((host) => Promise.resolve(host))).then(compute);
    written.forEach((storage, i) => replaceHost(storage as S, results.then((all) => all[i] as TypedArray)));
  }
  return undefined as KernelResult<K, S>;
}
