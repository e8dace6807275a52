import * as kt from '@kindling/tensor';
import type { Windows2d } from '@kindling/tensor';
import { record } from '../graph.js';
import type { Variable } from '../variable.js';

/** Every window of `x` [N, C, H, W] as a column, [N, C, kH·kW, oH·oW] (zeros outside `x`); the gradient is col2im. */
export function im2col(x: Variable, windows: Windows2d): Variable {
  return record('im2col', kt.im2col(x.data, windows), [x], { windows });
}

/** Sums `columns` [N, C, kH·kW, oH·oW] back into a [N, C, height, width] result; the gradient is im2col. */
export function col2im(columns: Variable, windows: Windows2d, height: number, width: number): Variable {
  return record('col2im', kt.col2im(columns.data, windows, height, width), [columns], { windows });
}

/**
 * A convolution's products, `filters` [groups, O / groups, (C / groups)·kH·kW] times the windows of
 * `x` [N, C, H, W]: [N, groups, O / groups, oH·oW]. One op, so that the graph keeps `x` and the
 * filters rather than the columns (kH·kW times larger than `x`); backward builds them again.
 */
export function convolveWindows(x: Variable, filters: Variable, windows: Windows2d, groups: number): Variable {
  const columns = kt.groupedIm2col(x.data, windows, groups);
  const products = filters.data.matmul(columns);
  columns.dispose();
  return record('convolveWindows', products, [x, filters], { windows, groups });
}

/** The largest entry of each window of `x` [N, C, H, W]; the gradient goes to that entry. */
export function maxPool2dWindows(x: Variable, windows: Windows2d): Variable {
  return record('maxPool2d', kt.maxPool2dWindows(x.data, windows), [x], { windows });
}
