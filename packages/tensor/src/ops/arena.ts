import { activeCapture, replaySubstitution } from '../capture/hooks.js';
import { storageUserCount } from '../engine.js';
import type { Storage } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { cat } from './join.js';
import { reshape } from './views.js';

/*
 * Packing: tensors moved into one flat storage, each becoming a view of it, so that a kernel over
 * the flat tensor updates them all at once (an optimizer's parameters and state: one dispatch per
 * group instead of one per parameter). The tensor objects stay the same, so a module, an optimizer
 * or a user holding them sees the values move with them.
 */

/**
 * Whether {@link packTensors} may move `tensors`: live, on one backend, of one dtype, contiguous,
 * not overlapping, and held by nothing else (another view of one of their storages would keep
 * reading the old copy). Never while a step is captured or replayed, whose recording names storages.
 */
export function canPackTensors(tensors: readonly Tensor[]): boolean {
  const [first] = tensors;
  if (!first || activeCapture() !== null || replaySubstitution() !== null) return false;
  const byStorage = new Map<Storage, Tensor[]>();
  for (const t of tensors) {
    if (t.isDisposed || t.backend !== first.backend || t.dtype !== first.dtype || !t.isContiguous()) return false;
    const sharing = byStorage.get(t.storage);
    if (sharing) sharing.push(t);
    else byStorage.set(t.storage, [t]);
  }
  for (const [storage, sharing] of byStorage) {
    if (storageUserCount(storage) !== sharing.length || overlapping(sharing)) return false;
  }
  return true;
}

function overlapping(tensors: readonly Tensor[]): boolean {
  const ranges = tensors.map((t) => [t.offset, t.offset + t.numel()] as const).sort((a, b) => a[0] - b[0]);
  return ranges.some((range, i) => i > 0 && range[0] < (ranges[i - 1] as readonly [number, number])[1]);
}

/**
 * Copies `tensors` one after another into a new flat tensor and moves each onto it, as a view at its
 * place; returns the flat tensor, which the caller owns (the views keep the storage alive too).
 * Their old storages are freed. Throws unless {@link canPackTensors} holds.
 */
export function packTensors(tensors: readonly Tensor[]): Tensor {
  if (!canPackTensors(tensors)) {
    throw new Error(
      `packTensors: cannot pack ${tensors.length} tensors: they must be live, contiguous and non-overlapping, share one backend and dtype, ` +
        'not be held by any other tensor (a view), and no step may be being captured',
    );
  }
  const rows = tensors.map((t) => reshape(t, [-1]));
  const flat = cat(rows, 0);
  rows.forEach((row) => row.dispose());
  let offset = 0;
  for (const t of tensors) {
    t.rehome(flat.storage, offset);
    offset += t.numel();
  }
  return flat;
}
