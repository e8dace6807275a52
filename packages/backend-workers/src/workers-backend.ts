import { DTYPES, fallbacksOf, type Backend, type DType, type Fallback, type HostAccess, type TensorLimit, type TypedArray, type View } from '@kindling/tensor';
import { compileKernelModule, instantiateKernels, type KernelInstance } from './pool/kernel-module.js';
import { ThreadPool, type Share } from './pool/thread-pool.js';
import { ELEMENT_BYTES, SharedHeap, WorkersStorage } from './shared-heap.js';
import { threadCount } from './threads.js';

/** Options of {@link WorkersBackend}; by default the thread count comes from {@link threadCount}. */
export interface WorkersBackendOptions {
  /** Compute threads, the calling thread included (at least 1). */
  threads?: number;
  /** false: use the plain-SIMD kernels even where relaxed SIMD is available (as `KINDLING_RELAXED_SIMD=0`). */
  relaxedSimd?: boolean;
}

/**
 * The `workers` backend: tensors live in one shared WebAssembly memory, kernels are WebAssembly
 * SIMD compiled from assembly/, and large ops are split across the calling thread and a piscina
 * pool of `threads - 1` workers that compute in that memory in place. Synchronous: every op has
 * finished when it returns, so `dataSync()` works.
 */
export class WorkersBackend implements Backend<WorkersStorage> {
  readonly name: string = 'workers';
  readonly synchronous = true;
  readonly supportedDTypes: readonly DType[] = DTYPES;
  readonly tensorLimit: TensorLimit = { maxBytes: 2 ** 32, reason: 'one WebAssembly memory holds every tensor, 4 GiB at most' };
  /** Compute threads: the calling thread plus the pool's workers. */
  readonly threads: number;
  /** Whether the kernels use relaxed SIMD's fused multiply-add (see `compileKernelModule`). */
  readonly relaxedSimd: boolean;
  /** The shared memory and its allocator; kernels allocate their outputs here. */
  readonly heap: SharedHeap;
  /** The piscina workers and the control block that drives them. */
  readonly pool: ThreadPool;
  private readonly local: KernelInstance;
  private readonly matmulScratch: number[];
  /** An int32 that threads splitting a kernel take work from (see `resetCounter`). */
  private readonly counter: number;
  private readonly reduceScratch: number[];

  constructor(options: WorkersBackendOptions = {}) {
    this.threads = options.threads ?? threadCount();
    if (!Number.isInteger(this.threads) || this.threads < 1) throw new RangeError(`WorkersBackend: threads must be a positive integer, got ${this.threads}`);
    const { module, relaxedSimd } = compileKernelModule(options.relaxedSimd === false ? { KINDLING_RELAXED_SIMD: '0' } : process.env);
    this.relaxedSimd = relaxedSimd;
    const memory = SharedHeap.createMemory();
    this.local = instantiateKernels(module, memory);
    this.heap = new SharedHeap(memory, this.local.heapBase);
    this.matmulScratch = Array.from({ length: this.threads }, () => this.heap.reserve(this.local.matmulScratchBytes));
    this.reduceScratch = Array.from({ length: this.threads }, () => this.heap.reserve(this.local.reduceScratchBytes));
    this.counter = this.heap.reserve(4);
    this.pool = new ThreadPool(this.threads - 1, { module, memory: this.heap.memory }, this.local);
  }

  /** The cpu fallback runs on the shared memory in place: views, not copies. */
  readonly hostAccess: HostAccess<WorkersStorage> = {
    hostArray: (storage) => this.heap.view(storage),
    aliasesStorage: true,
    adoptHost: (_dtype, _size, values) => {
      if (values instanceof Promise) throw new Error('internal: the workers backend is synchronous but was handed pending values');
      return this.upload(values);
    },
  };

  /** Kernels that ran on the cpu implementation, each once, with the reason. */
  get fallbacks(): readonly Fallback[] {
    return fallbacksOf(this);
  }

  upload(values: TypedArray): WorkersStorage {
    const storage = this.heap.allocate(dtypeOf(values), values.length);
    this.heap.view(storage).set(values);
    return storage;
  }

  read(storage: WorkersStorage): Promise<TypedArray> {
    return Promise.resolve(this.readSync(storage));
  }

  readSync(storage: WorkersStorage): TypedArray {
    // slice() copies into an ordinary (unshared) buffer that the caller may keep.
    return this.heap.view(storage).slice();
  }

  release(storage: WorkersStorage): void {
    this.heap.release(storage);
  }

  liveStorageCount(): number {
    return this.heap.liveCount;
  }

  /**
   * Resolves once every worker thread is up and serving. Never needed for correctness (until then
   * the calling thread computes alone), but benchmarks and tests wait for it.
   */
  ready(): Promise<void> {
    return this.pool.ready();
  }

  async shutdown(): Promise<void> {
    await this.pool.close();
  }

  /** The byte address of a view's first element. */
  address(view: View<WorkersStorage>): number {
    return view.storage.byteOffset + view.offset * ELEMENT_BYTES[view.dtype];
  }

  /** Scratch space of thread `thread` (0 is the calling thread) for matmul packing. */
  matmulScratchOf(thread: number): number {
    return this.matmulScratch[thread] ?? this.failScratch(thread);
  }

  /** Scratch space of thread `thread` for column sums. */
  reduceScratchOf(thread: number): number {
    return this.reduceScratch[thread] ?? this.failScratch(thread);
  }

  private failScratch(thread: number): never {
    throw new Error(`internal: no scratch space for thread ${thread} of ${this.threads}`);
  }

  /** Zeroes the shared work counter for the next split kernel and returns its address. */
  resetCounter(): number {
    // The store happens before the call is posted (an Atomics write), so every thread sees the zero.
    Atomics.store(new Int32Array(this.heap.buffer, this.counter, 1), 0, 0);
    return this.counter;
  }

  /** How many threads an op may split into now (the caller plus the idle workers). */
  parallelism(): number {
    return this.pool.parallelism();
  }

  /**
   * The optimizer's once-per-step point (`await optimizer.step()`). A worker whose serve loop ended
   * (250 ms without a call while the calling thread was busy, loading data say) is asked back by
   * `parallelism()` only once piscina has seen that task finish, which it learns from a message that
   * needs a turn of the event loop; a training loop that awaits nothing but promises never gives
   * one, and every later op ran on the calling thread alone (measured: 146 against 92 ms per cnn
   * step). Here such a loop yields once, only while a worker is not serving.
   */
  async flush(): Promise<void> {
    if (this.pool.parallelism() <= this.pool.workers) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Runs `shares` (one per thread, the first on the calling thread) and waits for all of them. */
  run(label: string, shares: readonly Share[]): void {
    this.pool.run(label, shares);
  }
}

function dtypeOf(values: TypedArray): DType {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof Int32Array) return 'int32';
  return 'bool';
}
