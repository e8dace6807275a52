/*
 * Loading Dawn in Node. The `webgpu` package is imported only here, dynamically, when the factory
 * runs, so importing @kindling/backend-webgpu never loads a native binary and browser bundles
 * never see the package. `navigator.gpu` is made from it for the backend alone: no globals are
 * installed for users who did not ask for them.
 */

import type { BackendProbe } from '@kindling/tensor';
import type { GpuPowerPreference } from './gpu-like.js';

/** Why the backend cannot start when Dawn loads but no adapter answers. */
export const NO_ADAPTER = 'no WebGPU adapter answered (no GPU, or no Vulkan/Metal/D3D12 driver that Dawn can use)';

/**
 * Whether `value` looks like a `GPU` (navigator.gpu or Dawn's `create()` result).
 * @internal
 */
export function isGpu(value: unknown): value is GPU {
  return typeof value === 'object' && value !== null && 'requestAdapter' in value && typeof value.requestAdapter === 'function';
}

/**
 * `navigator.gpu` where the environment has one (browsers, Deno, workers), else undefined.
 * @internal
 */
export function browserGpu(): GPU | undefined {
  const nav: unknown = Reflect.get(globalThis, 'navigator');
  if (typeof nav !== 'object' || nav === null || !('gpu' in nav)) return undefined;
  return isGpu(nav.gpu) ? nav.gpu : undefined;
}

/** Whether this is Node (where Dawn can be loaded from the `webgpu` package). */
export function isNode(): boolean {
  const proc: unknown = Reflect.get(globalThis, 'process');
  return typeof proc === 'object' && proc !== null && 'versions' in proc && typeof proc.versions === 'object' && proc.versions !== null && 'node' in proc.versions;
}

/**
 * Turns the loader's error into a reason a person can act on. Dawn's prebuilt Linux binary in some
 * `webgpu` releases needs glibc 2.38 (Debian 12 has 2.36), which the dynamic loader reports as
 * "version `GLIBC_2.38' not found".
 */
export function describeLoadFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/GLIBC(XX)?_[0-9.]+'? not found/.test(message)) {
    return `Dawn's prebuilt binary (the 'webgpu' package) cannot load on this system's C library: ${message}. It needs a newer glibc (2.38 or later for the builds that fail this way; Debian 12 has 2.36)`;
  }
  return `the 'webgpu' package (Dawn) could not be loaded: ${message}`;
}

/** The specifier lives in a variable so that bundlers leave the Node-only import alone. */
const DAWN_PACKAGE = 'webgpu';

/**
 * Dawn's instance, made once per process and held here for good: the bindings do not keep it alive
 * from the devices made from it, and once the garbage collector frees it, the next event Dawn
 * processes for one of those devices crashes the process (seen as a SIGSEGV or a failed mutex
 * assertion in InstanceBase::ProcessEvents).
 */
let dawnInstance: Promise<GPU> | undefined;

/**
 * A `GPU` from Dawn (the same one on every call), or an Error whose message says why there is none.
 * @internal
 */
export function loadNodeGpu(): Promise<GPU> {
  dawnInstance ??= createDawnInstance();
  return dawnInstance;
}

async function createDawnInstance(): Promise<GPU> {
  let loaded: unknown;
  try {
    loaded = await import(/* @vite-ignore */ DAWN_PACKAGE);
  } catch (error) {
    throw new Error(describeLoadFailure(error));
  }
  if (typeof loaded !== 'object' || loaded === null || !('create' in loaded) || typeof loaded.create !== 'function') {
    throw new Error(`the '${DAWN_PACKAGE}' package has no create() function; is it the Dawn bindings (dawn-gpu/node-webgpu)?`);
  }
  const gpu: unknown = loaded.create([]);
  if (!isGpu(gpu)) throw new Error(`the '${DAWN_PACKAGE}' package's create() did not return a GPU object`);
  return gpu;
}

/** Where the `webgpu` package's entry point is, resolved from this package as `import()` would. */
function dawnEntryUrl(): string | undefined {
  const moduleApi = process.getBuiltinModule?.('node:module');
  const url = process.getBuiltinModule?.('node:url');
  if (!moduleApi || !url) return undefined;
  try {
    return url.pathToFileURL(moduleApi.createRequire(import.meta.url).resolve(DAWN_PACKAGE)).href;
  } catch {
    return undefined;
  }
}

/**
 * The registry's probe for Dawn in Node: loads it and asks for an adapter in a child process, so the
 * messages Mesa and Dawn print while failing (`XDG_RUNTIME_DIR is invalid`, Vulkan warnings) stay
 * out of the terminal. Undefined where the package cannot be found; the factory then says why.
 */
export function dawnProbe(powerPreference: GpuPowerPreference): BackendProbe | undefined {
  const entry = dawnEntryUrl();
  if (!entry) return undefined;
  return {
    script: `${describeLoadFailure.toString()}
let reason;
try {
  const dawn = await import(${JSON.stringify(entry)});
  const adapter = await dawn.create([]).requestAdapter({ powerPreference: ${JSON.stringify(powerPreference)} });
  if (!adapter) reason = ${JSON.stringify(NO_ADAPTER)};
} catch (error) {
  reason = describeLoadFailure(error);
}
if (reason) console.log(reason.replace(/\\s*\\n\\s*/g, ' '));
process.exit(0);`,
  };
}
