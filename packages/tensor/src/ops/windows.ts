import { isFloatingDType } from '../dtype.js';
import type { WindowAxis, Windows2d } from '../kernel-names.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { commonBackend, runToTensor } from './support.js';

/*
 * The sliding-window ops under convolution and pooling, on [N, C, H, W] tensors: im2col (a
 * convolution is then one MatMul), its adjoint col2im (the gradient of im2col, and of the input of
 * a convolution) and the max of each window with its gradient. The caller (nn) turns PyTorch's
 * kernel/stride/padding/dilation/ceil-mode arguments into the windows; these check them.
 */

const AXIS_NAMES = ['height', 'width'] as const;

function checkWindows(windows: Windows2d, opName: string): void {
  AXIS_NAMES.forEach((name) => {
    const axis: WindowAxis = windows[name];
    const positive = [axis.kernel, axis.stride, axis.dilation].every((v) => Number.isInteger(v) && v >= 1);
    if (!positive || !Number.isInteger(axis.padBefore) || axis.padBefore < 0 || !Number.isInteger(axis.outSize) || axis.outSize < 0) {
      throw new RangeError(`${opName}: invalid windows along the ${name}: ${JSON.stringify(axis)} (kernel, stride and dilation at least 1; padBefore and outSize at least 0)`);
    }
  });
}

function checkPlanes(x: Tensor, opName: string, what: string): [number, number, number, number] {
  if (x.ndim !== 4) throw new Error(`${opName}: expected ${what} [N, C, H, W], got ${formatShape(x.shape)}`);
  if (!isFloatingDType(x.dtype)) throw new TypeError(`${opName}: needs a floating-point tensor, got ${x.dtype}; convert it with t.float() first`);
  return x.shape as [number, number, number, number];
}

function taps(windows: Windows2d): number {
  return windows.height.kernel * windows.width.kernel;
}

function positions(windows: Windows2d): number {
  return windows.height.outSize * windows.width.outSize;
}

/** Every window of `x` [N, C, H, W] as a column: [N, C, kH·kW, oH·oW], zeros where a window reads outside `x`. */
export function im2col(x: Tensor, windows: Windows2d): Tensor {
  commonBackend('im2col', [x]);
  const [n, c] = checkPlanes(x, 'im2col', 'an input');
  checkWindows(windows, 'im2col');
  return runToTensor('Im2Col', x.backend, { x, windows }, [n, c, taps(windows), positions(windows)], x.dtype);
}

/**
 * The columns of `x` [N, C, H, W] for `groups` groups of channels, [N, groups, (C / groups)·kH·kW,
 * oH·oW]: im2col's [N, C, kH·kW, oH·oW] read group by group, as a convolution multiplies them.
 */
export function groupedIm2col(x: Tensor, windows: Windows2d, groups: number): Tensor {
  const columns = im2col(x, windows);
  const [n, c, k, l] = columns.shape as [number, number, number, number];
  const grouped = columns.reshape([n, groups, (c / groups) * k, l]);
  columns.dispose();
  return grouped;
}

/** The adjoint of im2col: sums each entry of `columns` [N, C, kH·kW, oH·oW] into the position of the [N, C, height, width] result it came from. */
export function col2im(columns: Tensor, windows: Windows2d, height: number, width: number): Tensor {
  commonBackend('col2im', [columns]);
  const [n, c, k, l] = checkPlanes(columns, 'col2im', 'columns');
  checkWindows(windows, 'col2im');
  if (k !== taps(windows) || l !== positions(windows)) {
    throw new Error(`col2im: columns ${formatShape(columns.shape)} do not match the windows, which need [N, C, ${taps(windows)}, ${positions(windows)}]`);
  }
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
    throw new RangeError(`col2im: height and width must be non-negative integers, got ${height} and ${width}`);
  }
  return runToTensor('Col2Im', columns.backend, { columns, windows, height, width }, [n, c, height, width], columns.dtype);
}

/** The largest entry of each window of `x` [N, C, H, W]: [N, C, oH, oW]. */
export function maxPool2dWindows(x: Tensor, windows: Windows2d): Tensor {
  commonBackend('maxPool2dWindows', [x]);
  const [n, c] = checkPlanes(x, 'maxPool2dWindows', 'an input');
  checkWindows(windows, 'maxPool2dWindows');
  return runToTensor('MaxPool2d', x.backend, { x, windows }, [n, c, windows.height.outSize, windows.width.outSize], x.dtype);
}

/** The gradient of maxPool2dWindows: each entry of `gradOutput` added at its window's maximum in `x` (the first one, or the last NaN). */
export function maxPool2dBackward(x: Tensor, gradOutput: Tensor, windows: Windows2d): Tensor {
  commonBackend('maxPool2dBackward', [x, gradOutput]);
  const [n, c] = checkPlanes(x, 'maxPool2dBackward', 'an input');
  checkWindows(windows, 'maxPool2dBackward');
  const expected = [n, c, windows.height.outSize, windows.width.outSize];
  if (formatShape(gradOutput.shape) !== formatShape(expected) || gradOutput.dtype !== x.dtype) {
    throw new Error(`maxPool2dBackward: gradOutput must be ${x.dtype} ${formatShape(expected)} for the input ${formatShape(x.shape)}, got ${gradOutput.dtype} ${formatShape(gradOutput.shape)}`);
  }
  return runToTensor('MaxPool2dGrad', x.backend, { x, gradOutput, windows }, x.shape, x.dtype);
}
