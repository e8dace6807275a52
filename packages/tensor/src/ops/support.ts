import type { Backend, Storage, View } from '../backend.js';
import { findBackend, getBackend } from '../backend-registry.js';
import type { DType } from '../dtype.js';
import { runKernel } from '../engine.js';
import { unobservedRead } from '../host-reads.js';
import type { InPlaceKernelName, KernelArgs, KernelName } from '../kernel-names.js';
import { formatShape, shapeSize, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Where a new tensor goes: `device` names a backend; without it, the current default backend. */
export interface CreationOptions {
  dtype?: DType;
  device?: string;
}

export function backendFor(device: string | undefined): Backend {
  return device === undefined ? getBackend() : findBackend(device);
}

export function assertDTypeSupported(backend: Backend, dtype: DType, opName: string): void {
  if (!backend.supportedDTypes.includes(dtype)) {
    throw new TypeError(
      `${opName}: dtype '${dtype}' is not supported by backend '${backend.name}' (it supports ${backend.supportedDTypes.join(', ')}); ` +
        `use another dtype or move to a backend that has it, such as 'cpu'`,
    );
  }
}

const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/**
 * Throws a `RangeError` naming the shape, the bytes and the backend's limit when a tensor of
 * `shape` and `dtype` is larger than `backend` can hold, before anything is allocated.
 */
export function assertFitsBackend(backend: Backend, shape: Shape, dtype: DType, opName: string): void {
  const limit = backend.tensorLimit;
  if (limit === undefined) return;
  const elements = shapeSize(shape);
  const bytes = elements * BYTES_PER_ELEMENT[dtype];
  const overElements = limit.maxElements !== undefined && elements > limit.maxElements;
  if (!overElements && (limit.maxBytes === undefined || bytes <= limit.maxBytes)) return;
  const bound = overElements ? `${limit.maxElements} elements` : `${limit.maxBytes} bytes`;
  throw new RangeError(
    `${opName}: a ${dtype} tensor of shape ${formatShape(shape)} has ${elements} elements (${bytes} bytes), more than backend '${backend.name}' can hold: at most ${bound} (${limit.reason})`,
  );
}

/** The one backend all `tensors` live on, or an error naming the devices that differ. */
export function commonBackend(opName: string, tensors: readonly Tensor[]): Backend {
  const first = tensors[0];
  if (!first) throw new Error(`${opName}: expected at least one tensor`);
  for (const t of tensors) {
    t.assertUsable(opName);
    if (t.backend !== first.backend) {
      throw new Error(
        `${opName}: expected all tensors on the same device, but found '${first.device}' and '${t.device}'; ` +
          `move one with t.to('${first.device}')`,
      );
    }
  }
  return first.backend;
}

/** Runs `kernel` on `backend` and wraps its output storage as a new contiguous tensor. */
export function runToTensor<K extends Exclude<KernelName, InPlaceKernelName>>(
  kernel: K,
  backend: Backend,
  args: KernelArgs[K],
  shape: Shape,
  dtype: DType,
): Tensor {
  assertFitsBackend(backend, shape, dtype, kernel);
  const storage = runKernel(kernel, backend, args, { dtype, size: shapeSize(shape) });
  const result = wrapStorage(backend, storage, shape, dtype);
  result.origin = kernel;
  return result;
}

export function wrapStorage(backend: Backend, storage: Storage, shape: Shape, dtype: DType): Tensor {
  if (storage.size !== shapeSize(shape)) {
    throw new Error(`internal: backend '${backend.name}' returned ${storage.size} elements for shape ${formatShape(shape)}`);
  }
  return new Tensor(backend, storage, shape, dtype);
}

/** A stride-0 view that reads `t` as if it had been broadcast to `shape` (no copy). */
export function broadcastView(t: View, shape: Shape): View {
  const lead = shape.length - t.shape.length;
  const strides = shape.map((extent, d) => {
    const own = d - lead;
    if (own < 0) return 0;
    return t.shape[own] === 1 && extent !== 1 ? 0 : (t.strides[own] as number);
  });
  return { storage: t.storage, dtype: t.dtype, shape, strides, offset: t.offset };
}

/**
 * Runs `fn` and disposes `temporaries` afterwards, except those that are also `keep` (operands that
 * needed no conversion are passed through unchanged).
 */
export function disposingAfter<T>(temporaries: readonly Tensor[], keep: readonly Tensor[], fn: () => T): T {
  try {
    return fn();
  } finally {
    for (const t of temporaries) if (!keep.includes(t)) t.dispose();
  }
}

/** Reads the int32 values of a small index tensor on synchronous backends, to validate them. */
export function indexValuesIfReadable(index: Tensor): Int32Array | undefined {
  if (!index.backend.readSync) return undefined;
  const values = unobservedRead(() => index.dataSync());
  return values instanceof Int32Array ? values : Int32Array.from(values);
}

export function assertIndexDType(index: Tensor, opName: string): void {
  if (index.dtype !== 'int32') {
    throw new TypeError(`${opName}: index must be an int32 tensor, got ${index.dtype}; convert it with index.int()`);
  }
}

export function assertIndicesInRange(values: Int32Array | undefined, limit: number, opName: string, what: string): void {
  if (!values) return;
  for (const value of values) {
    if (value < 0 || value >= limit) {
      throw new RangeError(`${opName}: index ${value} is out of range for ${what} of size ${limit} (valid: 0 to ${limit - 1})`);
    }
  }
}
