import { composite, maxPool2dWindows, type Variable } from '@kindling/autograd';
import { formatShape, tensor, type WindowAxis, type Windows2d } from '@kindling/tensor';
import { asVariable, type Input } from './parameter.js';
import { perAxis, unfold2d, windowCount, type Size2d } from './sliding-windows.js';

/*
 * 2-D pooling as PyTorch's F.max_pool2d, F.avg_pool2d and F.adaptive_avg_pool2d (NCHW, or CHW for
 * one sample). Max pooling is a kernel of its own; average pooling sums the im2col windows
 * (sliding-windows.ts); adaptive average pooling is linear and separable, so it is two small
 * matmuls with averaging matrices.
 */

export interface MaxPool2dOptions {
  /** The step between windows (default: the kernel size). */
  stride?: Size2d;
  /** -∞ added on both sides of each spatial axis, at most half the kernel (default 0). */
  padding?: Size2d;
  /** The spacing between the taps of a window (default 1). */
  dilation?: Size2d;
  /** Count a last window that runs past the input (but starts inside it or its left padding), as PyTorch's `ceil_mode` (default false). */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  stride?: Size2d;
  /** Zeros added on both sides of each spatial axis, at most half the kernel (default 0). */
  padding?: Size2d;
  ceilMode?: boolean;
  /** Whether the padding counts in each window's divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead. */
  divisorOverride?: number;
}

interface PoolWindows {
  /** The input as [N, C, H, W]. */
  x: Variable;
  batched: boolean;
  windows: Windows2d;
  extents: [number, number];
}

function batchedInput(input: Input, opName: string): { x: Variable; batched: boolean } {
  const x = asVariable(input);
  if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`${opName}: expected an input [N, C, H, W] (or [C, H, W] for one sample), got ${formatShape(x.shape)}`);
  return { x: x.ndim === 4 ? x : x.unsqueeze(0), batched: x.ndim === 4 };
}

function poolWindows(input: Input, kernelSize: Size2d, options: MaxPool2dOptions, opName: string): PoolWindows {
  const { x, batched } = batchedInput(input, opName);
  const kernel = perAxis(kernelSize, 2, 'kernelSize', opName, 1);
  const stride = perAxis(options.stride ?? kernel, 2, 'stride', opName, 1);
  const padding = perAxis(options.padding ?? 0, 2, 'padding', opName, 0);
  const dilation = perAxis(options.dilation ?? 1, 2, 'dilation', opName, 1);
  const extents = x.shape.slice(2) as [number, number];
  const [rows, cols] = extents.map((extent, axis) => {
    const k = kernel[axis] as number;
    const pad = padding[axis] as number;
    if (pad > k / 2) throw new RangeError(`${opName}: padding ${pad} must be at most half the kernel size ${k} (spatial dim ${axis})`);
    const d = dilation[axis] as number;
    const outSize = windowCount(extent, k, stride[axis] as number, d, { before: pad, after: pad }, options.ceilMode ?? false);
    if (outSize <= 0) {
      throw new Error(`${opName}: the input ${formatShape(x.shape)} padded by ${pad} along spatial dim ${axis} is smaller than the kernel, which spans ${d * (k - 1) + 1} positions`);
    }
    return { kernel: k, stride: stride[axis] as number, dilation: d, padBefore: pad, outSize };
  }) as [WindowAxis, WindowAxis];
  return { x, batched, windows: { height: rows, width: cols }, extents };
}

function pooledShape({ x, batched, windows }: PoolWindows): number[] {
  const [n, c] = x.shape as [number, number];
  const { height, width } = windows;
  return batched ? [n, c, height.outSize, width.outSize] : [c, height.outSize, width.outSize];
}

/**
 * The largest value of each window of `input` [N, C, H, W], as PyTorch's `F.max_pool2d`; the
 * gradient goes to the first largest entry of each window.
 *
 * @example
 * F.maxPool2d(x, 2).shape; // [N, C, 28, 28] gives [N, C, 14, 14]
 */
export function maxPool2d(input: Input, kernelSize: Size2d, options: MaxPool2dOptions = {}): Variable {
  const pool = poolWindows(input, kernelSize, options, 'maxPool2d');
  const attrs = { rows: pool.windows.height, cols: pool.windows.width, ceilMode: options.ceilMode ?? false };
  return composite('maxPool2d', [asVariable(input)], attrs, () => maxPool2dWindows(pool.x, pool.windows).reshape(pooledShape(pool)));
}

/** For each window along one axis: [the number of positions it covers with padding, without]. */
function windowExtents(window: WindowAxis, extent: number): [number, number][] {
  return Array.from({ length: window.outSize }, (_, o) => {
    const start = o * window.stride - window.padBefore;
    const end = Math.min(start + window.kernel, extent + window.padBefore);
    return [end - start, Math.min(end, extent) - Math.max(start, 0)];
  });
}

/**
 * The mean of each window of `input` [N, C, H, W], as PyTorch's `F.avg_pool2d`: windows that run
 * past the input (ceilMode) divide by the positions they cover, with the padding when
 * `countIncludePad`.
 */
export function avgPool2d(input: Input, kernelSize: Size2d, options: AvgPool2dOptions = {}): Variable {
  const { divisorOverride } = options;
  if (divisorOverride !== undefined && (!Number.isFinite(divisorOverride) || divisorOverride === 0)) {
    throw new RangeError(`avgPool2d: divisorOverride must be a non-zero number, got ${divisorOverride}`);
  }
  const pool = poolWindows(input, kernelSize, { stride: options.stride, padding: options.padding, ceilMode: options.ceilMode }, 'avgPool2d');
  const { x, extents } = pool;
  const { height: rows, width: cols } = pool.windows;
  const counted = (options.countIncludePad ?? true) ? 0 : 1;
  const rowCounts = windowExtents(rows, extents[0]);
  const colCounts = windowExtents(cols, extents[1]);
  const divisors = rowCounts.flatMap((r) => colCounts.map((c) => divisorOverride ?? (r[counted] as number) * (c[counted] as number)));
  const attrs = { rows, cols, ceilMode: options.ceilMode ?? false, countIncludePad: options.countIncludePad ?? true, divisorOverride: divisorOverride ?? null };
  return composite('avgPool2d', [asVariable(input)], attrs, () => {
    const sums = unfold2d(x, pool.windows).sum(2);
    return sums.div(tensor(divisors, { dtype: x.dtype, device: x.device })).reshape(pooledShape(pool));
  });
}

/** The [outSize, extent] matrix whose row i averages PyTorch's adaptive window i: [⌊i·extent/outSize⌋, ⌈(i+1)·extent/outSize⌉). */
function averagingMatrix(outSize: number, extent: number): number[][] {
  return Array.from({ length: outSize }, (_, i) => {
    const start = Math.floor((i * extent) / outSize);
    const end = Math.ceil(((i + 1) * extent) / outSize);
    return Array.from({ length: extent }, (_, j) => (j >= start && j < end ? 1 / (end - start) : 0));
  });
}

/**
 * Averages `input` [N, C, H, W] over windows chosen to give `outputSize` ([oH, oW], or one number
 * for both; null keeps that dim's size), as PyTorch's `F.adaptive_avg_pool2d`.
 *
 * @example
 * F.adaptiveAvgPool2d(features, 1).shape; // [N, C, 7, 7] gives [N, C, 1, 1]
 */
export function adaptiveAvgPool2d(input: Input, outputSize: number | readonly [number | null, number | null]): Variable {
  const { x, batched } = batchedInput(input, 'adaptiveAvgPool2d');
  const extents = x.shape.slice(2) as [number, number];
  const requested = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize.map((size, axis) => size ?? (extents[axis] as number));
  const [outHeight, outWidth] = perAxis(requested, 2, 'outputSize', 'adaptiveAvgPool2d', 1) as [number, number];
  if (extents.some((extent) => extent === 0)) throw new Error(`adaptiveAvgPool2d: the input ${formatShape(x.shape)} has an empty spatial dim`);
  const options = { dtype: x.dtype, device: x.device };
  return composite('adaptiveAvgPool2d', [asVariable(input)], { outputSize: [outHeight, outWidth] }, () => {
    const rowAverages = tensor(averagingMatrix(outHeight, extents[0]), options);
    const colAveragesT = tensor(averagingMatrix(outWidth, extents[1]), options).transpose(0, 1);
    const output = asVariable(rowAverages).matmul(x).matmul(colAveragesT);
    return batched ? output : output.squeeze(0);
  });
}
