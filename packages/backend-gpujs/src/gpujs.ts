import { GPU, type IKernelRunShortcut, type Texture } from 'gpu.js';

/*
 * The one place that talks to gpu.js. Its typings describe results loosely (nested arrays,
 * textures, void), so this module checks what comes back at run time and hands the rest of the
 * package three precise types: a kernel source, a compiled kernel and a device value.
 */

/** gpu.js's names for the modes this backend runs in, best first. */
export const GPUJS_MODES = ['webgpu', 'webgl2', 'headlessgl', 'webasm'] as const;
export type GpuJsMode = (typeof GPUJS_MODES)[number];

/**
 * A pipeline result that stays on the device: a GL texture or a WebGPU buffer handle. Both read
 * back with `toArray()` (a Promise on webgpu) and free their memory with `delete()`.
 */
export interface DeviceHandle {
  toArray(): unknown;
  delete(): void;
}

/** Where a kernel's output lives: a typed array (webasm keeps results in host memory) or a device handle. */
export type DeviceValue = Float32Array | DeviceHandle;

/** What a kernel call answers: the value itself, or a Promise of it in the asynchronous webgpu mode. */
export type DeviceResult = DeviceValue | Promise<DeviceValue>;

export type KernelArgument = DeviceValue | number;

/** `this` inside a kernel function, as gpu.js provides it. */
export interface KernelThis<C> {
  readonly thread: { readonly x: number; readonly y: number; readonly z: number };
  readonly constants: C;
}

/**
 * A kernel function written in gpu.js's subset of JavaScript. gpu.js compiles it from its source
 * text, so it must be a `function` expression that reads only its arguments, `this.thread` and
 * `this.constants`.
 */
export type KernelSource = (...args: never[]) => number;

export interface KernelSettings {
  /** gpu.js's output dims, x first: `[size]`, or `[width, height]`. */
  output: readonly number[];
  constants?: Record<string, number | Float32Array>;
  /** The longest loop the kernel runs, for the GL backends' unrolled loop bounds. */
  loopMaxIterations?: number;
}

export function isDeviceHandle(value: unknown): value is DeviceHandle {
  return typeof value === 'object' && value !== null && 'toArray' in value && typeof value.toArray === 'function' && 'delete' in value && typeof value.delete === 'function';
}

/**
 * What gpu.js specialises a compiled kernel on for `arg`: number, typed array, or device result of
 * given dims (a 2-D texture is read differently from a 1-D one of the same size).
 */
export function argumentKind(arg: KernelArgument): string {
  if (typeof arg === 'number') return 'n';
  if (!isDeviceHandle(arg)) return 'a';
  const output: unknown = Reflect.get(arg, 'output');
  return `d${Array.isArray(output) ? output.join('x') : ''}`;
}

/** Rows of a 2-D result as one flat array: a view when gpu.js cut them from one buffer (webasm does), else a copy. */
function flattenRows(rows: readonly unknown[]): Float32Array {
  const arrays = rows.map((row) => {
    if (row instanceof Float32Array) return row;
    throw new Error(`gpu.js returned a row of type ${describe(row)} where a Float32Array was expected`);
  });
  const first = arrays[0];
  const total = arrays.reduce((sum, row) => sum + row.length, 0);
  if (!first) return new Float32Array(0);
  const adjacent = arrays.every((row, i) => row.buffer === first.buffer && row.byteOffset === first.byteOffset + i * first.byteLength);
  if (adjacent) return new Float32Array(first.buffer, first.byteOffset, total);
  const flat = new Float32Array(total);
  let at = 0;
  for (const row of arrays) {
    flat.set(row, at);
    at += row.length;
  }
  return flat;
}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value === 'object' ? value.constructor.name : typeof value;
}

/** A kernel's raw output as a flat device value. */
function toDeviceValue(output: unknown): DeviceValue {
  if (output instanceof Float32Array || isDeviceHandle(output)) return output;
  if (Array.isArray(output)) return flattenRows(output);
  throw new Error(`gpu.js returned an unexpected kernel result of type ${describe(output)}`);
}

/** The values of a device value as one flat Float32Array (a Promise where the device reads back asynchronously). */
export function readDeviceValue(value: DeviceValue): Float32Array | Promise<Float32Array> {
  if (value instanceof Float32Array) return value;
  const out = value.toArray();
  return out instanceof Promise ? out.then(toFlatArray) : toFlatArray(out);
}

function toFlatArray(out: unknown): Float32Array {
  const value = toDeviceValue(out);
  if (value instanceof Float32Array) return value;
  throw new Error('gpu.js read a device result back as another device result');
}

/** Frees a device value's memory; typed arrays are left to the garbage collector. */
export function deleteDeviceValue(value: DeviceValue): void {
  if (!(value instanceof Float32Array)) value.delete();
}

/** A compiled, specialised gpu.js kernel. */
export interface CompiledKernel {
  run(args: readonly KernelArgument[]): DeviceResult;
  /** Why gpu.js ran this kernel on its own JavaScript fallback instead of the chosen mode, if it did. */
  fallbackReason(): string | undefined;
  destroy(): void;
}

// Kept out of the published declarations: gpu.js's typings name DOM types (WebGLRenderingContext,
// HTMLCanvasElement) that a Node consumer's type-check does not have.
class GpuJsKernel implements CompiledKernel {
  constructor(private readonly shortcut: IKernelRunShortcut) {}

  run(args: readonly KernelArgument[]): DeviceResult {
    // gpu.js accepts its own handles as arguments; its typings only name GL textures, whose
    // shape (toArray, delete) every DeviceHandle shares.
    const output: unknown = this.shortcut(...args.map((arg) => (isDeviceHandle(arg) ? (arg as Texture) : arg)));
    return output instanceof Promise ? output.then(toDeviceValue) : toDeviceValue(output);
  }

  fallbackReason(): string | undefined {
    const reason: unknown = Reflect.get(this.shortcut.kernel, 'fallbackReason');
    return typeof reason === 'string' ? reason : undefined;
  }

  destroy(): void {
    this.shortcut.destroy();
  }
}

/** A gpu.js instance fixed to one mode. */
export class GpuJs {
  private readonly gpu: GPU;

  constructor(readonly mode: GpuJsMode) {
    this.gpu = new GPU({ mode });
  }

  /**
   * Compiles `source` for one specialisation. Results stay on the device (`pipeline`), and each
   * call gets a fresh output (`immutable`) because storages outlive the next call of the same kernel.
   */
  compile(source: KernelSource, settings: KernelSettings): CompiledKernel {
    const shortcut = this.gpu.createKernel(source.toString(), {
      output: [...settings.output],
      constants: settings.constants ?? {},
      pipeline: true,
      immutable: true,
      precision: 'single',
      tactic: 'precision',
    });
    return new GpuJsKernel(shortcut.setLoopMaxIterations(settings.loopMaxIterations ?? 1000));
  }

  /** Frees gpu.js's contexts; settles when they are gone. */
  destroy(): Promise<void> {
    return this.gpu.destroy();
  }
}

/** Whether gpu.js can run `mode` here, by its own synchronous checks (webgpu still needs an adapter). */
export function gpuJsSupports(mode: GpuJsMode): boolean {
  switch (mode) {
    case 'webgpu':
      return GPU.isWebGPUSupported;
    case 'webgl2':
      return GPU.isWebGL2Supported;
    case 'headlessgl':
      return GPU.isHeadlessGLSupported;
    case 'webasm':
      return GPU.isWebAssemblySupported;
  }
}
