import type { Backend, Storage, TensorLimit } from '../../backend.js';
import { listBackends, registerBackend } from '../../backend-registry.js';
import { DTYPES, dtypeOfTypedArray, type DType, type TypedArray } from '../../dtype.js';
import { registerKernelTable } from '../../kernel-registry.js';
import { cpuKernels } from './kernels/index.js';

/** Host memory for the cpu backend: a typed array of the dtype's kind (bool as 0/1 bytes). */
export class CpuStorage implements Storage {
  readonly dtype: DType;
  readonly size: number;

  constructor(readonly values: TypedArray) {
    this.dtype = dtypeOfTypedArray(values);
    this.size = values.length;
  }
}

/** The reference backend: plain typed arrays, synchronous, every dtype. */
export class CpuBackend implements Backend<CpuStorage> {
  readonly name: string = 'cpu';
  readonly synchronous = true;
  readonly supportedDTypes: readonly DType[] = DTYPES;
  readonly tensorLimit: TensorLimit = { maxElements: 2 ** 31 - 1, reason: 'its kernels index elements with int32 offsets' };
  // A WeakSet rather than a Set so that storages leaked by undisposed tensors can still be collected.
  private readonly live = new WeakSet<CpuStorage>();
  private liveCount = 0;

  upload(values: TypedArray): CpuStorage {
    return this.adopt(values.slice());
  }

  /** Wraps a freshly computed array as a live storage without copying; the caller gives up `values`. */
  adopt(values: TypedArray): CpuStorage {
    const storage = new CpuStorage(values);
    this.live.add(storage);
    this.liveCount++;
    return storage;
  }

  read(storage: CpuStorage): Promise<TypedArray> {
    return Promise.resolve(this.readSync(storage));
  }

  readSync(storage: CpuStorage): TypedArray {
    return storage.values.slice();
  }

  release(storage: CpuStorage): void {
    // Releasing twice, or releasing a storage this backend did not make, must not skew the count.
    if (this.live.delete(storage)) this.liveCount--;
  }

  liveStorageCount(): number {
    return this.liveCount;
  }
}

/**
 * Registers the `cpu` backend (priority 0) and all of its kernels. Safe to call more than once;
 * importing this module registers nothing.
 */
export function registerCpuBackend(): void {
  // listBackends() may itself register the built-in cpu backend on first use (calling back into
  // this function), so check rather than assume it is absent.
  if (!listBackends().some((info) => info.name === 'cpu')) {
    registerBackend('cpu', () => new CpuBackend(), { priority: 0 });
  }
  registerKernelTable(cpuKernels);
}

