import { memory, type DType, type Storage, type TypedArray } from '@kindling/tensor';
import type { SharedMemory } from './wasm-types.js';

/*
 * Tensor memory: one shared WebAssembly memory that the main thread and every worker import, so
 * a kernel on any thread reads and writes storages in place. Only the main thread allocates,
 * carving blocks out of the memory by size class: released blocks go onto a free list of their
 * class and are handed out again, so a training loop that makes the same shapes every step stops
 * growing the memory after its first step.
 */

const PAGE_BYTES = 65536;
/** The wasm32 limit: 4 GiB. */
const MAXIMUM_PAGES = 65536;
/** Every block starts on a cache line, so two threads writing neighbouring storages never share one. */
const ALIGNMENT = 64;
/** Pages to start with (16 MiB); untouched pages cost address space, not memory. */
const INITIAL_PAGES = 256;

/** Bytes per element of each dtype (bool as one byte). */
export const ELEMENT_BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** A storage of the workers backend: `size` elements of `dtype` at `byteOffset` in the shared memory. */
export class WorkersStorage implements Storage {
  /** Set by `release`, so that a storage released twice is counted once. */
  released = false;

  constructor(
    readonly dtype: DType,
    readonly size: number,
    readonly byteOffset: number,
    /** The size class the block came from; 0 for an empty storage, which owns no block. */
    readonly blockBytes: number,
  ) {}
}

/** The block size for `bytes`: four classes per power of two, so at most a quarter is wasted. */
export function sizeClass(bytes: number): number {
  if (bytes <= 0) return 0;
  const quarter = Math.max(ALIGNMENT, 2 ** (Math.floor(Math.log2(bytes)) - 2));
  return Math.ceil(bytes / quarter) * quarter;
}

/** The shared memory and its allocator. */
export class SharedHeap {
  private top: number;
  private readonly freeBlocks = new Map<number, number[]>();
  private live = 0;

  /** A fresh shared memory for a heap: the kernel module must be instantiated over it to learn `base`. */
  static createMemory(): SharedMemory {
    return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
  }

  /** `base` is the first byte the kernel module leaves free (after its static data). */
  constructor(
    readonly memory: SharedMemory,
    base: number,
  ) {
    this.top = Math.ceil(Math.max(base, ALIGNMENT) / ALIGNMENT) * ALIGNMENT;
  }

  /** The memory's current buffer; a new, longer one after each growth, so never cache it. */
  get buffer(): SharedArrayBuffer {
    return this.memory.buffer;
  }

  /** Storages allocated and not yet released. */
  get liveCount(): number {
    return this.live;
  }

  /** A block of `bytes` for the lifetime of the heap (per-thread scratch space). */
  reserve(bytes: number): number {
    return this.carve(sizeClass(bytes));
  }

  /** A new storage for `size` elements of `dtype`; its contents are whatever the block last held. */
  allocate(dtype: DType, size: number): WorkersStorage {
    const blockBytes = sizeClass(size * ELEMENT_BYTES[dtype]);
    const recycled = blockBytes > 0 ? this.freeBlocks.get(blockBytes)?.pop() : undefined;
    const byteOffset = blockBytes === 0 ? 0 : (recycled ?? this.carve(blockBytes));
    this.live++;
    return new WorkersStorage(dtype, size, byteOffset, blockBytes);
  }

  release(storage: WorkersStorage): void {
    if (storage.released) return;
    storage.released = true;
    this.live--;
    if (storage.blockBytes === 0) return;
    const list = this.freeBlocks.get(storage.blockBytes);
    if (list) list.push(storage.byteOffset);
    else this.freeBlocks.set(storage.blockBytes, [storage.byteOffset]);
  }

  /** A typed array over `storage`'s elements in the shared memory (no copy). */
  view(storage: WorkersStorage): TypedArray {
    return this.typedView(storage.dtype, storage.byteOffset, storage.size);
  }

  /** A typed array of `length` elements of `dtype` starting at `byteOffset`. */
  typedView(dtype: DType, byteOffset: number, length: number): TypedArray {
    const buffer = this.buffer;
    switch (dtype) {
      case 'float32':
        return new Float32Array(buffer, byteOffset, length);
      case 'float64':
        return new Float64Array(buffer, byteOffset, length);
      case 'int32':
        return new Int32Array(buffer, byteOffset, length);
      case 'bool':
        return new Uint8Array(buffer, byteOffset, length);
    }
  }

  /** Takes `bytes` from the top of the heap, growing the memory when it runs out. */
  private carve(bytes: number): number {
    const start = this.top;
    const end = start + bytes;
    const available = this.buffer.byteLength;
    if (end > available) {
      // Grow by at least a quarter of the current size, so that growing stays rare.
      const needed = Math.ceil((end - available) / PAGE_BYTES);
      const pages = Math.min(MAXIMUM_PAGES - available / PAGE_BYTES, Math.max(needed, Math.ceil(available / PAGE_BYTES / 4)));
      if (pages < needed) {
        throw new RangeError(
          `workers backend: out of memory: ${bytes} more bytes do not fit in the 4 GiB a WebAssembly memory can hold, with ${memory().numTensors} tensors alive. ` +
            "Something keeps every step's tensors: a list of losses or outputs kept across steps, or work outside a Module's forward, a DataLoader loop or a backward(). " +
            "Read values out with item(), wrap such work in tidy(), or dispose() what you keep (see 'Memory' in @kindling/tensor's README)",
        );
      }
      this.memory.grow(pages);
    }
    this.top = end;
    return start;
  }
}
