import { newHandle, zeros, type Shape, type Tensor } from '@kindling/tensor';

/*
 * The gradient of a slice, narrow or select is zero outside the window the op took. A rule returns
 * only the window's values, marked here, and backward places them: into a zero tensor of the
 * input's shape the first time, then added in place into that same tensor for every further window
 * of the same input. Taking the T steps of a sequence [T, ...] one select at a time (an RNN's
 * input projection) then costs one tensor of the sequence's size in backward, not T of them.
 */

/** Where a window gradient's values lie in its input: the slice `start, start + step, …` along `dim`. */
export interface SliceWindow {
  readonly shape: Shape;
  readonly dim: number;
  readonly start: number;
  readonly step: number;
}

const windows = new WeakMap<Tensor, SliceWindow>();
/**
 * Gradients that backward allocated for windows and that nothing else holds, so they may be written
 * in place, with the index ranges along `dim` that windows may have made non-zero: a step-1 window
 * on that dim disjoint from all of them (the next step of a sequence) is copied in, with no add.
 */
const ownBuffers = new WeakMap<Tensor, { readonly dim: number; readonly filled: [number, number][] }>();

const EVERYWHERE: [number, number] = [-Infinity, Infinity];

/** The indices along the buffer's `dim` that a window may have made non-zero (all of them unless it is a step-1 window on that dim). */
function touched({ dim, start, step }: SliceWindow, count: number, bufferDim: number): [number, number] {
  return dim === bufferDim && step === 1 ? [start, start + count] : EVERYWHERE;
}

/** Marks a handle of `values` (the window's entries, with the input's rank) as the gradient of the input `window` lies in. */
export function windowGradient(values: Tensor, window: SliceWindow): Tensor {
  const marked = newHandle(values);
  windows.set(marked, window);
  return marked;
}

/** The window a gradient fills, when a rule returned it as one. */
export function windowOf(gradient: Tensor): SliceWindow | undefined {
  return windows.get(gradient);
}

function region(full: Tensor, { dim, start, step }: SliceWindow, count: number): Tensor {
  return full.slice(dim, start, start + (count - 1) * step + 1, step);
}

/** The whole gradient of a window: zeros of the input's shape with the values written in. */
export function placeWindow(values: Tensor, window: SliceWindow): Tensor {
  const full = zeros(window.shape, { dtype: values.dtype, device: values.device });
  const count = values.shape[window.dim] as number;
  if (count > 0) region(full, window, count).copy_(values);
  return full;
}

/** `placeWindow`, as a buffer that later windows of the same input may be added into in place. */
export function startWindowBuffer(values: Tensor, window: SliceWindow): Tensor {
  const full = placeWindow(values, window);
  ownBuffers.set(full, { dim: window.dim, filled: [touched(window, values.shape[window.dim] as number, window.dim)] });
  return full;
}

/**
 * Adds `values` into `window` of `previous` in place and says true, when `previous` is a buffer of
 * backward's own (startWindowBuffer); says false, changing nothing, for any other tensor.
 */
export function addWindowInPlace(previous: Tensor, values: Tensor, window: SliceWindow): boolean {
  const buffer = ownBuffers.get(previous);
  if (buffer === undefined || previous.dtype !== values.dtype) return false;
  const count = values.shape[window.dim] as number;
  if (count === 0) return true;
  const target = region(previous, window, count);
  const range = touched(window, count, buffer.dim);
  const untouched = range !== EVERYWHERE && buffer.filled.every(([from, to]) => range[1] <= from || to <= range[0]);
  buffer.filled.push(range);
  if (untouched) {
    target.copy_(values);
  } else {
    const sum = target.add(values);
    target.copy_(sum);
    sum.dispose();
  }
  target.dispose();
  return true;
}
