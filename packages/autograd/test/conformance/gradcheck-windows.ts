import type { WindowAxis } from '@kindling/tensor';
import { col2im, convolveWindows, im2col, maxPool2dWindows } from '../../src/index.js';
import type { GradCase } from './helpers.js';

const axis = (kernel: number, stride: number, dilation: number, padBefore: number, outSize: number): WindowAxis => ({ kernel, stride, dilation, padBefore, outSize });

/** im2col, its adjoint col2im and the windows' max, with stride, padding and dilation and windows that overlap or run past the input. */
export const windowsCases: GradCase[] = [
  {
    name: 'im2col, 3×2 taps with stride 2 and padding 1 (the windows overlap and read padding)',
    inputs: (m) => [m([2, 2, 5, 4])],
    fn: (x) => im2col(x, { height: axis(3, 2, 1, 1, 3), width: axis(2, 1, 1, 1, 5) }),
  },
  {
    name: 'im2col with dilation 2',
    inputs: (m) => [m([1, 3, 6, 6])],
    fn: (x) => im2col(x, { height: axis(2, 1, 2, 0, 4), width: axis(3, 2, 2, 1, 3) }),
  },
  {
    name: 'col2im of overlapping windows (positions summed)',
    inputs: (m) => [m([2, 1, 4, 9])],
    fn: (columns) => col2im(columns, { height: axis(2, 1, 1, 0, 3), width: axis(2, 2, 1, 1, 3) }, 4, 4),
  },
  {
    // 4 channels in 2 groups: filters [2 groups, 3 outputs each, 2 channels · 3·2 taps].
    name: 'convolveWindows, 2 groups, 3×2 taps with stride 2 and padding 1 (input and filters)',
    inputs: (m) => [m([2, 4, 5, 4]), m([2, 3, 12])],
    fn: (x, filters) => convolveWindows(x, filters, { height: axis(3, 2, 1, 1, 3), width: axis(2, 1, 1, 1, 5) }, 2),
  },
  {
    name: 'maxPool2dWindows, overlapping 3×3 windows with stride 2 and padding 1',
    inputs: (m) => [m([2, 2, 5, 5])],
    fn: (x) => maxPool2dWindows(x, { height: axis(3, 2, 1, 1, 3), width: axis(3, 2, 1, 1, 3) }),
  },
  {
    name: 'maxPool2dWindows with dilation and a last window past the input (ceil mode)',
    inputs: (m) => [m([1, 2, 5, 5])],
    fn: (x) => maxPool2dWindows(x, { height: axis(2, 2, 2, 0, 2), width: axis(2, 2, 1, 0, 3) }),
  },
];
