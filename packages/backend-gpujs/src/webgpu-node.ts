/*
 * gpu.js's webgpu mode reads `navigator.gpu` and assigns `device.onuncapturederror`. Browsers have
 * both; Node has neither, so this module installs `navigator.gpu` from the `webgpu` package (Dawn)
 * and wraps its devices so that the assignment works (see shared/GPU.md: on webgpu@0.2.9 the
 * plain assignment throws "object is not of the correct interface type").
 */

import type { BackendProbe } from '@kindling/tensor';

interface EventTargetLike {
  addEventListener(type: string, listener: unknown): void;
}

interface AdapterLike {
  requestDevice(descriptor?: unknown): Promise<object>;
}

interface GpuLike {
  requestAdapter(options?: unknown): Promise<AdapterLike | null>;
}

function isGpuLike(value: unknown): value is GpuLike {
  return typeof value === 'object' && value !== null && 'requestAdapter' in value && typeof value.requestAdapter === 'function';
}

function hasAddEventListener(value: object): value is EventTargetLike {
  return 'addEventListener' in value && typeof value.addEventListener === 'function';
}

/** The page's or the process's `navigator.gpu`, if there is one. */
export function navigatorGpu(): GpuLike | undefined {
  const navigator: unknown = Reflect.get(globalThis, 'navigator');
  if (typeof navigator !== 'object' || navigator === null) return undefined;
  const gpu: unknown = Reflect.get(navigator, 'gpu');
  return isGpuLike(gpu) ? gpu : undefined;
}

/**
 * `target` seen through a proxy that answers `overrides` first. Methods are bound to the real
 * object: Dawn's native methods reject a proxy as `this`.
 */
function overlay<T extends object>(target: T, overrides: { get?: Record<string, unknown>; set?: Record<string, (value: unknown) => void> }): T {
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === 'string' && overrides.get && property in overrides.get) return overrides.get[property];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
    set(object, property, value: unknown) {
      const setter = typeof property === 'string' ? overrides.set?.[property] : undefined;
      if (setter) setter(value);
      else Reflect.set(object, property, value, object);
      return true;
    },
  });
}

/**
 * Registers `listener` for the device's uncaptured errors in a form this Dawn accepts. On the H200,
 * webgpu@0.2.9 refused a plain function too ("no overload matched for addEventListener"), so an
 * EventListener object is tried next; where neither is accepted, Dawn's own stderr report of
 * uncaptured errors stands in for gpu.js's, which only logs them.
 */
function addUncapturedErrorListener(device: EventTargetLike, listener: (event: unknown) => void): void {
  const forms: unknown[] = [listener, { handleEvent: listener }];
  for (const form of forms) {
    try {
      device.addEventListener('uncapturederror', form);
      return;
    } catch {
      // the next form
    }
  }
}

/** `device` with `onuncapturederror = fn` turned into `addEventListener('uncapturederror', fn)`. */
export function withErrorListener(device: object): object {
  if (!hasAddEventListener(device)) return device;
  return overlay(device, {
    set: {
      onuncapturederror: (listener) => {
        if (typeof listener === 'function') addUncapturedErrorListener(device, (event) => listener(event));
      },
    },
  });
}

/** `gpu` whose adapters hand out devices wrapped by `withErrorListener`. */
function wrapGpu(gpu: GpuLike): GpuLike {
  const requestAdapter = async (options?: unknown) => {
    const adapter = await gpu.requestAdapter(options);
    if (!adapter) return null;
    const requestDevice = async (descriptor?: unknown) => withErrorListener(await adapter.requestDevice(descriptor));
    return overlay(adapter, { get: { requestDevice } });
  };
  return overlay(gpu, { get: { requestAdapter } });
}

/**
 * A probe for Dawn in a child process: it prints why there is no adapter, or nothing. Mesa and Dawn
 * print their complaints on the process's stderr while failing (`XDG_RUNTIME_DIR is invalid`,
 * Vulkan warnings); the child's stderr is captured, so choosing a mode stays quiet.
 */
export function dawnAdapterProbe(entryPath: string): BackendProbe {
  return {
    script: `import { pathToFileURL } from 'node:url';
let reason;
try {
  const dawn = await import(pathToFileURL(${JSON.stringify(entryPath)}).href);
  if (!(await dawn.create([]).requestAdapter())) reason = 'navigator.gpu answered no adapter';
} catch (error) {
  reason = 'the webgpu package (Dawn) does not load: ' + String(error?.message ?? error).split('\\n')[0];
}
if (reason) console.log(reason);
process.exit(0);`,
  };
}

/**
 * Makes `navigator.gpu` available to gpu.js in Node, from the `webgpu` package. Throws the loader's
 * own message when Dawn's binary cannot load (it needs glibc 2.38 or newer).
 */
export async function installNodeWebGpu(): Promise<void> {
  if (navigatorGpu()) return;
  // Loaded by name at run time so that browser bundlers never try to resolve the native module.
  const moduleName = 'webgpu';
  const loaded: unknown = await import(/* @vite-ignore */ moduleName);
  const create: unknown = typeof loaded === 'object' && loaded !== null ? Reflect.get(loaded, 'create') : undefined;
  const globals: unknown = typeof loaded === 'object' && loaded !== null ? Reflect.get(loaded, 'globals') : undefined;
  if (typeof create !== 'function') throw new Error('the webgpu package exports no create()');
  // gpu.js refers to GPUBufferUsage and friends as globals, as it would in a browser.
  for (const [name, value] of Object.entries(globals ?? {})) if (!(name in globalThis)) Reflect.set(globalThis, name, value);
  const gpu: unknown = create([]);
  if (!isGpuLike(gpu)) throw new Error('the webgpu package did not return a GPU object');
  const existing: unknown = Reflect.get(globalThis, 'navigator');
  if (typeof existing === 'object' && existing !== null) Reflect.set(existing, 'gpu', wrapGpu(gpu));
  else Reflect.set(globalThis, 'navigator', { gpu: wrapGpu(gpu) });
}
