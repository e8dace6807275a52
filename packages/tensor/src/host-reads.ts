import { activeCapture } from './capture/hooks.js';
import type { Tensor } from './tensor.js';

/** The read methods of a Tensor that hand its values to JavaScript. */
export type HostReadMethod = 'data' | 'dataSync' | 'array' | 'arraySync' | 'item' | 'itemSync' | 'tolist' | 'tolistSync';

/** Told of each host read while `observeHostReads` runs, such as an exporter that must know which values chose a branch. */
export type HostReadObserver = (tensor: Tensor, method: HostReadMethod) => void;

let observer: HostReadObserver | null = null;
/** How many `unobservedRead` calls are running: their reads are not reported. */
let unobservedDepth = 0;

/**
 * Runs `fn` with every host read of a tensor reported to `onRead` (the ONNX exporter uses it: a
 * number read during a trace is frozen into the graph). Observations do not nest.
 */
export function observeHostReads<T>(onRead: HostReadObserver, fn: () => T): T {
  if (observer !== null) throw new Error('observeHostReads: host reads are already observed; observations do not nest');
  observer = onRead;
  try {
    return fn();
  } finally {
    observer = null;
  }
}

/** Reports a host read to the running observation, if any (the read methods of Tensor call this). */
export function noteHostRead(tensor: Tensor, method: HostReadMethod): void {
  if (unobservedDepth > 0) return;
  observer?.(tensor, method);
  activeCapture()?.hostRead(tensor, method);
}

/**
 * Runs `fn`, whose reads choose nothing that is computed: a range check that throws or passes,
 * printing, a copy to another device. An observer is not told of them.
 */
export function unobservedRead<T>(fn: () => T): T {
  unobservedDepth++;
  try {
    return fn();
  } finally {
    unobservedDepth--;
  }
}
