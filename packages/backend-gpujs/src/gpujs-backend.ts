import { fallbacksOf, noteFallback, type Backend, type DType, type Fallback, type HostAccess, type Storage, type TypedArray } from '@kindling/tensor';
import { argumentKind, deleteDeviceValue, GpuJs, isDeviceHandle, readDeviceValue, type DeviceValue, type GpuJsMode, type KernelArgument, type KernelSettings, type KernelSource } from './gpujs.js';
import { KernelCache } from './kernel-cache.js';
import type { SkippedMode } from './modes.js';
import { after, afterAll, finallyWith, float32Of, type Pending, type Resolved } from './values.js';

/**
 * A gpujs tensor's memory. float32 and bool values computed by gpu.js stay where gpu.js put them
 * (a texture, a WebGPU buffer, or a typed array in webasm mode); uploads, fills and int32 values are
 * exact host arrays. In webgpu mode `value` may be a Promise until the kernel that makes it is done.
 */
export class GpuJsStorage implements Storage {
  private current: Pending<Resolved>;

  constructor(
    readonly dtype: DType,
    readonly size: number,
    value: Pending<Resolved>,
  ) {
    this.current = value;
    this.track(value);
  }

  get value(): Pending<Resolved> {
    return this.current;
  }

  /** Replaces the value (in-place kernels); the caller frees the old one. */
  set value(value: Pending<Resolved>) {
    this.current = value;
    this.track(value);
  }

  private track(value: Pending<Resolved>): void {
    if (!(value instanceof Promise)) return;
    // Once ready, later kernels take the value directly instead of chaining on the Promise. A
    // failure stays on the Promise, which whoever reads the storage sees.
    value.then(
      (ready) => {
        if (this.current === value) this.current = ready;
      },
      () => undefined,
    );
  }
}

function dtypeOf(values: TypedArray): DType {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint8Array) return 'bool';
  return 'float64';
}

/** Float32 values read from the device, in `dtype`'s host array (exact: they are results of that dtype). */
function hostArrayOf(values: Float32Array, dtype: DType): TypedArray {
  if (dtype === 'float32') return values;
  if (dtype === 'int32') return Int32Array.from(values);
  return Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
}

/**
 * The gpujs backend: Kindling's kernels written as gpu.js kernel functions, compiled once per
 * specialisation, results kept on the device between kernels and read back only by `data()`.
 */
export class GpuJsBackend implements Backend<GpuJsStorage> {
  readonly name = 'gpujs';
  // gpu.js computes in float32, so float64 is left out: the op layer then names the dtype and this
  // backend in its error. int32 stays exact: host arrays, or indices gpu.js computed (kernels/fallback.ts).
  readonly supportedDTypes: readonly DType[] = ['float32', 'int32', 'bool'];
  readonly synchronous: boolean;
  /**
   * Whether kernels can tell NaN apart. Not in webgpu mode: WGSL lets the compiler assume floats are
   * never NaN and gpu.js has no bit-level test, so the kernels whose NaN behaviour is part of their
   * contract (max, min, argmax, `ne`, exp, sigmoid) run on the cpu kernels there.
   */
  readonly nanAware: boolean;
  /** Present in every mode but webgpu, whose readback is asynchronous only. */
  readonly readSync?: (storage: GpuJsStorage) => TypedArray;
  private readonly gpu: GpuJs;
  private readonly kernels = new KernelCache();
  private readonly live = new WeakSet<GpuJsStorage>();
  private liveCount = 0;
  /** Settles once every kernel scheduled so far has run; only webgpu mode schedules asynchronously. */
  private scheduled: Promise<void> | undefined;

  /**
   * @param mode the gpu.js mode every kernel runs in
   * @param skippedModes the better modes that could not start here, and why
   */
  constructor(
    readonly mode: GpuJsMode,
    readonly skippedModes: readonly SkippedMode[] = [],
  ) {
    this.gpu = new GpuJs(mode);
    this.synchronous = mode !== 'webgpu';
    this.nanAware = mode !== 'webgpu';
    if (this.synchronous) this.readSync = (storage) => this.readNow(storage).slice();
  }

  /** Kernels that ran on the cpu backend's code, each listed once, in the order they first ran. */
  get fallbacks(): readonly Fallback[] {
    return fallbacksOf(this);
  }

  /** The cpu fallback works on host copies (read back asynchronously in webgpu mode). */
  readonly hostAccess: HostAccess<GpuJsStorage> = {
    hostArray: (storage) => this.hostArray(storage),
    aliasesStorage: false,
    adoptHost: (dtype, size, values) => this.adopt(dtype, size, values),
    replaceHost: (storage, values) => {
      const old = storage.value;
      storage.value = values;
      this.free([old]);
    },
  };

  upload(values: TypedArray): GpuJsStorage {
    return this.adopt(dtypeOf(values), values.length, values.slice());
  }

  /** Wraps a freshly computed value as a live storage; the caller gives up `value`. */
  adopt(dtype: DType, size: number, value: Pending<Resolved>): GpuJsStorage {
    const storage = new GpuJsStorage(dtype, size, value);
    this.live.add(storage);
    this.liveCount++;
    return storage;
  }

  async read(storage: GpuJsStorage): Promise<TypedArray> {
    return (await this.hostArray(storage)).slice();
  }

  /** The storage's elements in its dtype's host array, shared with the storage: callers must not write to it. */
  hostArray(storage: GpuJsStorage): Pending<TypedArray> {
    // gpu.js results are float32 whatever the dtype (webasm hands them over as Float32Arrays).
    return after(storage.value, (value) =>
      after(isDeviceHandle(value) ? readDeviceValue(value) : value, (array) => (array instanceof Float32Array ? hostArrayOf(array, storage.dtype) : array)),
    );
  }

  private readNow(storage: GpuJsStorage): TypedArray {
    const values = this.hostArray(storage);
    if (values instanceof Promise) throw new Error(`gpujs (${this.mode} mode): this storage can only be read asynchronously; use await t.data()`);
    return values;
  }

  /** The storage as a gpu.js kernel argument: device values as they are, host arrays as float32. */
  deviceArgument(storage: GpuJsStorage): Pending<DeviceValue> {
    return after(storage.value, (value) => (isDeviceHandle(value) ? value : float32Of(value)));
  }

  /**
   * Runs the kernel `source`, compiled once for `key` with `settings()`, on `args`. gpu.js itself
   * may run a kernel on its JavaScript fallback when a mode cannot express it; that is recorded as
   * a fallback too.
   */
  run(key: string, source: KernelSource, settings: () => KernelSettings, args: readonly Pending<KernelArgument>[]): Pending<DeviceValue> {
    const result = afterAll(args, (ready) => {
      // gpu.js compiles for its arguments' kinds and gives up after a few switches, so each pattern
      // of kinds gets a kernel of its own.
      const kinds = ready.map(argumentKind).join(',');
      const kernel = this.kernels.get(`${key}|${kinds}`, () => this.gpu.compile(source, settings()));
      const output = kernel.run(ready);
      const reason = kernel.fallbackReason();
      if (reason !== undefined) this.noteFallback(key.split('|')[0] ?? key, `gpu.js ran it on its own JavaScript fallback: ${reason}`);
      return output;
    });
    if (result instanceof Promise) this.scheduled = Promise.allSettled([this.scheduled, result]).then(() => undefined);
    return result;
  }

  /**
   * Frees the device memory of `values` once every kernel scheduled so far has run: at once in the
   * synchronous modes, later in webgpu mode, where a kernel waiting for its inputs may still read them.
   */
  private free(values: readonly Pending<Resolved>[]): void {
    const free = () => {
      for (const value of values) {
        finallyWith(value, (ready) => {
          if (isDeviceHandle(ready)) deleteDeviceValue(ready);
        });
      }
    };
    if (this.scheduled) void this.scheduled.then(free);
    else free();
  }

  /** Frees `values`, the temporaries that `result` was computed from. */
  freeAfter<T>(result: Pending<T>, values: readonly Pending<DeviceValue>[]): Pending<T> {
    this.free(values);
    return result;
  }

  /** Records that `kernel` ran on the cpu backend's code (or gpu.js's own JavaScript), telling the user once. */
  noteFallback(kernel: string, reason: string): void {
    noteFallback(this, kernel, reason);
  }

  release(storage: GpuJsStorage): void {
    // Releasing twice, or a storage this backend did not make, must not skew the count.
    if (!this.live.delete(storage)) return;
    this.liveCount--;
    this.free([storage.value]);
  }

  liveStorageCount(): number {
    return this.liveCount;
  }

  /** The number of compiled kernels held, for tests of the specialisation cache. */
  compiledKernelCount(): number {
    return this.kernels.size;
  }

  shutdown(): Promise<void> {
    this.kernels.clear();
    return this.gpu.destroy();
  }
}
