import { im2col, type Variable } from '@kindling/autograd';
import { formatShape, type WindowAxis, type Windows2d } from '@kindling/tensor';
import { pad } from './padding.js';

/*
 * im2col for convolution and pooling. Zero padding, the common case, is the Im2Col kernel of each
 * backend (its gradient the Col2Im kernel). The other padding modes pad the input reflected,
 * replicated or wrapped around first (F.pad, built from views), and then read it with the same
 * kernel: nothing is indexed on the host or uploaded.
 */

/** How a convolution fills positions outside the input, as PyTorch's `padding_mode`. */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** The padding of each side of a spatial axis: PyTorch pads asymmetrically only for 'same'. */
export interface AxisPadding {
  readonly before: number;
  readonly after: number;
}

/** A number or one per spatial axis, as PyTorch's `int or tuple` arguments. */
export type Size2d = number | readonly [number, number];

/** `value` as one entry per spatial axis, checked to be an integer of at least `min`. */
export function perAxis(value: number | readonly number[], axes: number, name: string, opName: string, min: number): number[] {
  const list = typeof value === 'number' ? new Array<number>(axes).fill(value) : [...value];
  if (list.length !== axes || list.some((v) => !Number.isInteger(v) || v < min)) {
    const expected = axes === 1 ? 'an integer' : `an integer or ${axes} integers`;
    throw new RangeError(`${opName}: ${name} must be ${expected} of at least ${min}, got ${JSON.stringify(value)}`);
  }
  return list;
}

/**
 * The number of windows along an axis of `extent` positions, as PyTorch computes it; with
 * `ceilMode` a last partial window counts, unless it would start in the right padding.
 */
export function windowCount(extent: number, kernel: number, stride: number, dilation: number, padding: AxisPadding, ceilMode = false): number {
  const span = extent + padding.before + padding.after - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  let count = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (count - 1) * stride >= extent + padding.before) count -= 1;
  return count;
}

/** The positions past the input's end that an axis's last window reads (0 when it stays inside). */
function paddingAfter(window: WindowAxis, extent: number): number {
  const last = (window.outSize - 1) * window.stride - window.padBefore + (window.kernel - 1) * window.dilation;
  return Math.max(last - (extent - 1), 0);
}

/**
 * Every window of `x` ([N, C, H, W]) as columns: [N, C, kH·kW, oH·oW], the kernel taps ordered as a
 * weight's [kH, kW] flattens, with zeros where a window reads outside the input.
 */
export function unfold2d(x: Variable, windows: Windows2d): Variable {
  if (x.ndim !== 4) throw new Error(`unfold2d: expected a 4-D input [N, C, H, W], got ${formatShape(x.shape)}`);
  return im2col(x, windows);
}

/**
 * The input the Im2Col kernel reads and the windows it reads it with: `x` and `windows` for zero
 * padding (the kernel reads zeros outside), else `x` padded by `mode` and windows that start at 0.
 */
export function windowedInput(x: Variable, windows: Windows2d, mode: PaddingMode): { input: Variable; windows: Windows2d } {
  if (mode === 'zeros') return { input: x, windows };
  const { height: rows, width: cols } = windows;
  const [, , h, w] = x.shape as [number, number, number, number];
  const padded = pad(x, [cols.padBefore, paddingAfter(cols, w), rows.padBefore, paddingAfter(rows, h)], mode);
  return { input: padded, windows: { height: { ...rows, padBefore: 0 }, width: { ...cols, padBefore: 0 } } };
}
