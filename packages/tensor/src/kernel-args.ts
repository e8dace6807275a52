import type { Storage, View } from './backend.js';

/*
 * A kernel's arguments hold storages directly, in views, or in arrays of views. The cpu fallback
 * and the step capture both walk them to find or swap those storages.
 */

export function isView(value: unknown): value is View {
  return typeof value === 'object' && value !== null && 'storage' in value && 'shape' in value;
}

export function isStorage(value: unknown): value is Storage {
  return typeof value === 'object' && value !== null && 'dtype' in value && 'size' in value && !('shape' in value);
}

/** The storage `item` holds, directly or as a view; none for any other value. */
export function storageOf(item: unknown): Storage | undefined {
  if (isView(item)) return item.storage;
  return isStorage(item) ? item : undefined;
}

/** The storages in `args` (directly, in views, in arrays of views), each once. */
export function storagesIn(args: object): Storage[] {
  const found = new Set<Storage>();
  for (const value of Object.values(args)) {
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      const storage = storageOf(item);
      if (storage) found.add(storage);
    }
  }
  return [...found];
}

/** `item` with its storage replaced by `swap(storage)`; other values unchanged. */
export function withStorage(item: unknown, swap: (storage: Storage) => Storage | undefined): unknown {
  if (isView(item)) return { storage: swap(item.storage), dtype: item.dtype, shape: item.shape, strides: item.strides, offset: item.offset };
  if (isStorage(item)) return swap(item);
  return item;
}

/** `args` with every storage replaced by `swap(storage)`. */
export function mapStorages(args: object, swap: (storage: Storage) => Storage | undefined): object {
  return Object.fromEntries(
    Object.entries(args).map(([key, value]) => [key, Array.isArray(value) ? (value as unknown[]).map((item) => withStorage(item, swap)) : withStorage(value, swap)]),
  );
}
