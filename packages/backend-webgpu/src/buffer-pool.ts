import { BufferUsage } from './gpu-flags.js';

/** The smallest bucket: WebGPU binds storage at 256-byte granularity anyway. */
export const MIN_BUCKET_BYTES = 256;

/**
 * Above this, buckets are whole MiB rather than powers of two: such buffers are one-offs (a
 * dataset uploaded once), and rounding 172 MB of MNIST up to 256 MiB would waste 96 MB.
 */
export const LARGE_BUFFER_BYTES = 64 * 1024 * 1024;

const MIB = 1024 * 1024;

/**
 * The bucket a request of `bytes` goes to: the next power of two, at least 256 bytes, up to
 * 64 MiB; the next whole MiB above that. A request whose bucket would pass `maxBytes` gets an
 * exact (256-rounded) size instead.
 */
export function bucketBytes(bytes: number, maxBytes = Number.POSITIVE_INFINITY): number {
  let bucket = MIN_BUCKET_BYTES;
  while (bucket < bytes && bucket < LARGE_BUFFER_BYTES) bucket *= 2;
  if (bucket < bytes) bucket = Math.ceil(bytes / MIB) * MIB;
  if (bucket <= maxBytes) return bucket;
  const exact = Math.ceil(bytes / MIN_BUCKET_BYTES) * MIN_BUCKET_BYTES;
  if (exact > maxBytes) {
    throw new RangeError(`webgpu: a tensor of ${bytes} bytes is larger than this device's largest buffer (${maxBytes} bytes)`);
  }
  return exact;
}

/** What the pool holds, for leak checks and tests. */
export interface BufferPoolStats {
  /** GPU buffers ever created (a flat count across training steps means the pool is reused). */
  created: number;
  /** Buffers handed out and not yet returned. */
  inUse: number;
  /** Buffers waiting in the pool. */
  pooled: number;
  /** Bytes of every buffer the pool owns, in use or not. */
  totalBytes: number;
}

/**
 * Storage buffers grouped by size bucket. A released buffer waits in its bucket for the next request
 * of that bucket, so a training loop whose shapes repeat stops creating buffers after its first step.
 * @internal
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly ids = new WeakMap<GPUBuffer, number>();
  /** Buffers a recorded step owns: out of circulation, whoever releases them. */
  private readonly pinned = new Set<GPUBuffer>();
  private created = 0;
  private inUse = 0;
  private totalBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBytes: number,
  ) {}

  /** A buffer of at least `bytes` bytes, usable as storage and as a copy source or destination. */
  acquire(bytes: number): GPUBuffer {
    const size = bucketBytes(bytes, this.maxBytes);
    const buffer = this.free.get(size)?.pop() ?? this.create(size);
    this.inUse++;
    return buffer;
  }

  /** Returns `buffer` to its bucket; the caller must not use it afterwards. A pinned buffer stays out. */
  release(buffer: GPUBuffer): void {
    if (this.pinned.has(buffer)) return;
    const bucket = this.free.get(buffer.size);
    if (bucket) bucket.push(buffer);
    else this.free.set(buffer.size, [buffer]);
    this.inUse--;
  }

  /**
   * Takes `buffer` out of circulation for a recorded step, from its bucket if it waits there (it
   * then counts as in use); releases of it are ignored until `unpin`.
   */
  pin(buffer: GPUBuffer): void {
    if (this.pinned.has(buffer)) return;
    const bucket = this.free.get(buffer.size);
    const waiting = bucket?.indexOf(buffer) ?? -1;
    if (bucket && waiting !== -1) {
      bucket.splice(waiting, 1);
      this.inUse++;
    }
    this.pinned.add(buffer);
  }

  isPinned(buffer: GPUBuffer): boolean {
    return this.pinned.has(buffer);
  }

  /** Puts a pinned buffer back in circulation: in its bucket unless a storage still holds it. */
  unpin(buffer: GPUBuffer, held: boolean): void {
    if (!this.pinned.delete(buffer)) return;
    if (!held) this.release(buffer);
  }

  /** A small integer naming `buffer`, for bind-group cache keys. */
  idOf(buffer: GPUBuffer): number {
    return this.ids.get(buffer) ?? -1;
  }

  stats(): BufferPoolStats {
    let pooled = 0;
    for (const bucket of this.free.values()) pooled += bucket.length;
    return { created: this.created, inUse: this.inUse, pooled, totalBytes: this.totalBytes };
  }

  /** Destroys the buffers waiting in the pool (in-use buffers stay valid). */
  trim(): void {
    for (const bucket of this.free.values()) {
      for (const buffer of bucket) {
        this.totalBytes -= buffer.size;
        buffer.destroy();
      }
    }
    this.free.clear();
  }

  private create(size: number): GPUBuffer {
    const buffer = this.device.createBuffer({
      size,
      usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
    });
    this.created++;
    this.totalBytes += size;
    this.ids.set(buffer, this.created);
    return buffer;
  }
}
