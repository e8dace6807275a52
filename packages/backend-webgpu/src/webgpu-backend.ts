import type { Backend, DType, Storage, TensorLimit, TypedArray, WorkRecorder } from '@kindling/tensor';
import { BufferPool, type BufferPoolStats } from './buffer-pool.js';
import { CommandBatch, UNIFORM_ARENA_BYTES } from './command-batch.js';
import { BufferUsage, MAP_READ_MODE } from './gpu-flags.js';
import { PipelineCache, UNIFORM_USAGE } from './pipeline-cache.js';
import type { Program } from './program.js';
import { holdChainRelease } from './kernels/elementwise-fusion.js';
import { WorkRecording } from './recorded-work.js';

/** A tensor's memory on the GPU: one pooled storage buffer, 32 bits per element whatever the dtype. */
export class WebGpuStorage implements Storage {
  /** Set by `release`: the buffer is back in the pool and must not be touched through this storage. */
  released = false;
  /** @internal */
  readonly buffer: GPUBuffer;

  private constructor(
    readonly dtype: DType,
    readonly size: number,
    buffer: GPUBuffer,
    /** @internal Memory a recorded step owns (see recorded-work.ts), lent to a tensor: releasing it gives nothing back. */
    readonly borrowed = false,
  ) {
    this.buffer = buffer;
  }

  /**
   * Only the backend makes storages (`allocate`, `upload`), so the published types need not name
   * WebGPU's buffer.
   * @internal
   */
  static of(dtype: DType, size: number, buffer: GPUBuffer, borrowed = false): WebGpuStorage {
    return new WebGpuStorage(dtype, size, buffer, borrowed);
  }
}

/** Options of the backend itself (see `registerWebGpuBackend` for how to find a device). */
export interface WebGpuBackendSettings {
  /** Dispatches recorded before an automatic submission (default 64). */
  maxDispatchesPerSubmit?: number;
}

/** Counters for tests and benchmarks: how much work reached the GPU and how memory is reused. */
export interface WebGpuStats {
  submissions: number;
  dispatches: number;
  /** Buffer-to-buffer copies kernels made instead of dispatches (Concat's contiguous slabs). */
  copies: number;
  /** Milliseconds the host spent handing work to the queue; over SwiftShader it includes emulated GPU work. */
  submitMs: number;
  pipelines: number;
  uploads: number;
  uploadedBytes: number;
  buffers: BufferPoolStats;
}

/**
 * The `webgpu` backend: storages are pooled GPU buffers; kernels (registered separately, see
 * kernels/) record dispatches into one command encoder that is submitted every
 * `maxDispatchesPerSubmit` dispatches, on `read`, and on `flush` (which `optimizer.step()` awaits),
 * so a training step costs a few submissions. Asynchronous: there is no `readSync`.
 */
export class WebGpuBackend implements Backend<WebGpuStorage> {
  readonly name = 'webgpu';
  readonly prefersFewerLaunches = true;
  /** The storage buffers one dispatch may bind (the device's limit): how long a fused chain may grow. */
  readonly maxStorageBuffers: number;
  readonly synchronous = false;
  readonly supportedDTypes: readonly DType[] = ['float32', 'int32', 'bool'];
  readonly tensorLimit: TensorLimit;
  private readonly pool: BufferPool;
  private readonly batch: CommandBatch;
  private readonly pipelines: PipelineCache;
  private live = 0;
  private uploads = 0;
  private uploadedBytes = 0;
  private deferred: (() => void) | null = null;
  /** The work of the latest flush, still allowed to run while the host records the next step. */
  private inFlight: Promise<undefined> | null = null;
  private readonly errors: string[] = [];
  /** The work of a step being captured, told of every allocation, dispatch, copy and clear. */
  private recording: WorkRecording | null = null;

  /**
   * A backend on `device`. Made by `createWebGpuBackend`, so the published types need not name
   * WebGPU's device.
   * @internal
   */
  static forDevice(device: GPUDevice, settings: WebGpuBackendSettings = {}): WebGpuBackend {
    return new WebGpuBackend(device, settings);
  }

  private constructor(
    private readonly device: GPUDevice,
    settings: WebGpuBackendSettings,
  ) {
    const maxBytes = Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize);
    this.maxStorageBuffers = device.limits.maxStorageBuffersPerShaderStage;
    this.tensorLimit = { maxBytes, reason: "the device's largest storage buffer" };
    this.pool = new BufferPool(device, maxBytes);
    const uniforms = device.createBuffer({ size: UNIFORM_ARENA_BYTES, usage: UNIFORM_USAGE });
    this.batch = new CommandBatch(device, uniforms, settings.maxDispatchesPerSubmit ?? 64);
    this.pipelines = new PipelineCache(device, uniforms);
    // addEventListener rather than `onuncapturederror =`, which some Dawn builds for Node reject.
    void device.lost.then((info) => this.errors.push(`the device was lost (${info.reason}): ${info.message}`));
    device.addEventListener('uncapturederror', (event) => {
      if (this.errors.length < 8) this.errors.push('error' in event && event.error instanceof Object && 'message' in event.error ? String(event.error.message) : 'unknown GPU error');
    });
  }

  /** A new, uninitialised storage of `size` elements; kernels write it. */
  allocate(dtype: DType, size: number): WebGpuStorage {
    const storage = WebGpuStorage.of(dtype, size, this.pool.acquire(Math.max(size, 1) * 4));
    this.live++;
    this.recording?.allocated(storage);
    return storage;
  }

  upload(values: TypedArray): WebGpuStorage {
    this.settle();
    const dtype: DType = values instanceof Float32Array ? 'float32' : values instanceof Int32Array ? 'int32' : values instanceof Uint8Array ? 'bool' : 'float64';
    if (dtype === 'float64') throw new TypeError('webgpu: float64 is not supported on the GPU; use float32 or the cpu backend');
    const storage = this.allocate(dtype, values.length);
    if (values.length === 0) return storage;
    // writeBuffer runs before any recorded-but-unsubmitted pass, and the pooled buffer may still
    // be read by one of them: submit those first so the queue keeps program order.
    this.batch.submit();
    const words = dtype === 'bool' ? Uint32Array.from(values) : values;
    this.device.queue.writeBuffer(storage.buffer, 0, words.buffer, words.byteOffset, values.length * 4);
    this.uploads++;
    this.uploadedBytes += values.length * 4;
    return storage;
  }

  async read(storage: WebGpuStorage): Promise<TypedArray> {
    this.settle();
    this.recording?.refuse('it reads device memory back');
    if (storage.released) throw new Error('webgpu: read of a released storage');
    const bytes = storage.size * 4;
    let words = new Uint32Array(0);
    if (bytes > 0) {
      const staging = this.device.createBuffer({ size: bytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
      this.batch.commandEncoder().copyBufferToBuffer(storage.buffer, 0, staging, 0, bytes);
      this.batch.submit();
      await staging.mapAsync(MAP_READ_MODE);
      words = new Uint32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      staging.destroy();
    }
    this.throwRecordedErrors();
    if (storage.dtype === 'float32') return new Float32Array(words.buffer);
    if (storage.dtype === 'int32') return new Int32Array(words.buffer);
    return Uint8Array.from(words);
  }

  release(storage: WebGpuStorage): void {
    // A held chain keeps what it reads or writes; anything else can go back to the pool at once.
    if (storage.released || holdChainRelease(this, storage)) return;
    storage.released = true;
    // Borrowed memory goes back to the pool only once its recording has let go of it (unpinned).
    if (storage.borrowed) {
      if (!this.pool.isPinned(storage.buffer)) this.pool.release(storage.buffer);
      return;
    }
    this.pool.release(storage.buffer);
    this.live--;
  }

  liveStorageCount(): number {
    // A held chain keeps what was released meanwhile until it is encoded: encode it, so the count is final.
    this.settle();
    return this.live;
  }

  /**
   * Submits everything recorded and resolves once the GPU has finished the work of the flush before
   * this one. One flush of work (a training step) stays in flight, so the GPU runs a step while the
   * host records the next; waiting for the latest one too would leave one of them idle at a time.
   */
  async flush(): Promise<void> {
    this.settle();
    this.batch.submit();
    const previous = this.inFlight;
    this.inFlight = this.device.queue.onSubmittedWorkDone();
    await previous;
    this.throwRecordedErrors();
  }

  shutdown(): void {
    this.settle();
    this.batch.submit();
    this.pipelines.clearBindGroups();
    this.pool.trim();
    this.device.destroy();
  }

  /**
   * Records one dispatch of `program` over `inputs` then `outputs` (storages or raw buffers),
   * with `uniforms` as its parameters, on a `grid` of workgroups.
   */
  dispatch(program: Program, inputs: readonly WebGpuStorage[], outputs: readonly WebGpuStorage[], uniforms: Uint32Array, grid: readonly [number, number?, number?]): void {
    this.settle();
    const compiled = this.pipelines.compile(program);
    const buffers = [...inputs, ...outputs].map((s) => s.buffer);
    const group = this.pipelines.bindGroup(program, compiled, buffers, buffers.map((b) => this.pool.idOf(b)));
    const offset = this.batch.reserveUniforms(uniforms, compiled.uniformSlotBytes);
    this.batch.dispatch(compiled.pipeline, group, offset, grid);
    this.recording?.dispatched(compiled, buffers, uniforms, grid);
  }

  /** Records zeroing `storage` (a clear command, ordered with the passes around it). */
  clear(storage: WebGpuStorage): void {
    this.settle();
    this.batch.commandEncoder().clearBuffer(storage.buffer, 0, storage.size * 4);
    this.recording?.cleared(storage.buffer, storage.size * 4);
  }

  /**
   * Records copying `count` elements of `source`, from element `sourceOffset`, into `target` from
   * element `targetOffset`: a copy command, which costs less than a dispatch and is ordered with
   * the passes around it. WebGPU forbids a copy within one buffer.
   */
  copy(source: WebGpuStorage, sourceOffset: number, target: WebGpuStorage, targetOffset: number, count: number): void {
    if (source.buffer === target.buffer) throw new Error('webgpu: copy within one buffer');
    this.settle();
    // Every dtype is stored 4 bytes per element, so offsets and sizes meet the copy's 4-byte alignment.
    this.batch.copy(source.buffer, sourceOffset * 4, target.buffer, targetOffset * 4, count * 4);
    this.recording?.copied(source.buffer, sourceOffset * 4, target.buffer, targetOffset * 4, count * 4);
  }

  /**
   * Records the dispatches, copies and clears of a step being captured, so that its replays submit
   * them again with no kernel run (see recorded-work.ts). One recording at a time.
   */
  recordWork(): WorkRecorder<WebGpuStorage> {
    if (this.recording) throw new Error('webgpu: a step is already being recorded; captures do not nest');
    this.settle();
    const recording = new WorkRecording({
      device: this.device,
      pool: this.pool,
      batch: this.batch,
      settle: () => this.settle(),
      allocate: ({ dtype, size }) => this.allocate(dtype, size),
      borrow: ({ dtype, size, buffer }) => WebGpuStorage.of(dtype, size, buffer, true),
      release: (storage) => this.release(storage),
      stop: () => {
        this.recording = null;
      },
    });
    this.recording = recording;
    return recording;
  }

  /**
   * Holds back one piece of work: an elementwise chain (or a matmul and its epilogue) waiting for
   * the ops that may join it (see kernels/elementwise-fusion.ts). Any other call into the backend
   * runs it first.
   */
  defer(work: (() => void) | null): void {
    this.deferred = work;
  }

  /** Runs held-back work now. */
  settle(): void {
    const work = this.deferred;
    this.deferred = null;
    work?.();
  }

  stats(): WebGpuStats {
    return {
      submissions: this.batch.submissions,
      dispatches: this.batch.dispatches,
      copies: this.batch.copies,
      submitMs: this.batch.submitMs,
      pipelines: this.pipelines.size,
      uploads: this.uploads,
      uploadedBytes: this.uploadedBytes,
      buffers: this.pool.stats(),
    };
  }

  private throwRecordedErrors(): void {
    if (this.errors.length === 0) return;
    const messages = this.errors.splice(0);
    throw new Error(`webgpu: the device reported ${messages.length} error(s): ${messages.join('; ')}`);
  }
}
