import { composite, convolveWindows, isGradEnabled, Variable } from '@kindling/autograd';
import { cat, formatShape, tidy, type WindowAxis } from '@kindling/tensor';
import { asVariable, type Input } from './parameter.js';
import { perAxis, windowCount, windowedInput, type AxisPadding, type PaddingMode, type Size2d } from './sliding-windows.js';

/*
 * Convolutions as PyTorch's F.conv1d and F.conv2d (cross-correlation, NCHW): im2col (sliding-windows.ts)
 * then one batched MatMul per call, with groups as a batch dim of that MatMul. conv1d is conv2d over
 * a height of 1. Gradients come from the rules of the ops used.
 */

/** 'valid' is no padding; 'same' pads so that the output keeps the input's size (stride 1 only), more after than before when the total is odd, as PyTorch. */
export type ConvPaddingString = 'same' | 'valid';

export interface Conv2dOptions {
  /** The step between windows (default 1). */
  stride?: Size2d;
  /** Zeros added on both sides of each spatial axis (default 0), or 'same' / 'valid'. */
  padding?: Size2d | ConvPaddingString;
  /** The spacing between kernel taps (default 1). */
  dilation?: Size2d;
  /** Splits the channels into this many groups, each convolved with its own filters (default 1). */
  groups?: number;
}

export interface Conv1dOptions {
  stride?: number | readonly [number];
  padding?: number | readonly [number] | ConvPaddingString;
  dilation?: number | readonly [number];
  groups?: number;
}

/** A convolution's arguments with one entry per spatial axis, [height, width]. */
interface ConvGeometry {
  stride: number[];
  dilation: number[];
  padding: AxisPadding[];
  groups: number;
}

type AnyConvOptions = Conv2dOptions | Conv1dOptions;

function resolvePadding(padding: AnyConvOptions['padding'], kernel: readonly number[], stride: readonly number[], dilation: readonly number[], opName: string): AxisPadding[] {
  if (padding === 'valid') return kernel.map(() => ({ before: 0, after: 0 }));
  if (padding === 'same') {
    if (stride.some((s) => s !== 1)) throw new Error(`${opName}: padding 'same' needs stride 1, got stride ${JSON.stringify(stride)}; give the padding as numbers instead`);
    return kernel.map((k, axis) => {
      const total = (dilation[axis] as number) * (k - 1);
      return { before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
    });
  }
  if (typeof padding === 'string') throw new Error(`${opName}: padding must be a number, one per spatial dim, 'same' or 'valid', got '${padding}'`);
  return perAxis(padding ?? 0, kernel.length, 'padding', opName, 0).map((p) => ({ before: p, after: p }));
}

/** The options of a convolution with `kernel` taps per spatial axis, checked. */
export function convGeometry(options: AnyConvOptions, kernel: readonly number[], opName: string): ConvGeometry {
  const axes = kernel.length;
  const stride = perAxis(options.stride ?? 1, axes, 'stride', opName, 1);
  const dilation = perAxis(options.dilation ?? 1, axes, 'dilation', opName, 1);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${opName}: groups must be a positive integer, got ${groups}`);
  return { stride, dilation, padding: resolvePadding(options.padding, kernel, stride, dilation, opName), groups };
}

function checkPaddingMode(mode: PaddingMode, padding: readonly AxisPadding[], extents: readonly number[], opName: string): void {
  if (mode === 'zeros') return;
  padding.forEach(({ before, after }, axis) => {
    const extent = extents[axis] as number;
    const limit = mode === 'reflect' ? extent - 1 : mode === 'circular' ? extent : Infinity;
    if (Math.max(before, after) > limit || (mode === 'replicate' && extent === 0)) {
      throw new Error(`${opName}: padding ${Math.max(before, after)} is too large for '${mode}' padding of a spatial dim of size ${extent} (at most ${limit})`);
    }
  });
}

/** conv2d on a batched 4-D input and weight, with one geometry entry per spatial axis. */
function convolve2d(x: Variable, weight: Variable, bias: Variable | null, geometry: ConvGeometry, mode: PaddingMode, opName: string): Variable {
  const [n, channels, height, width] = x.shape as [number, number, number, number];
  const [outChannels, groupChannels, kh, kw] = weight.shape as [number, number, number, number];
  const { groups, stride, dilation, padding } = geometry;
  if (channels % groups !== 0 || outChannels % groups !== 0) {
    throw new Error(`${opName}: groups=${groups} must divide both the input's ${channels} channels and the weight's ${outChannels} output channels`);
  }
  if (groupChannels * groups !== channels) {
    throw new Error(
      `${opName}: the weight ${formatShape(weight.shape)} expects ${groupChannels * groups} input channels (${groupChannels} per group × ${groups} groups), ` +
        `but the input ${formatShape(x.shape)} has ${channels}`,
    );
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new Error(`${opName}: the bias must have shape [${outChannels}] (one per output channel), got ${formatShape(bias.shape)}`);
  }
  checkPaddingMode(mode, padding, [height, width], opName);
  const windows = [height, width].map((extent, axis) => {
    const kernel = axis === 0 ? kh : kw;
    const pad = padding[axis] as AxisPadding;
    const outSize = windowCount(extent, kernel, stride[axis] as number, dilation[axis] as number, pad);
    if (outSize <= 0) {
      throw new Error(
        `${opName}: the input ${formatShape(x.shape)} padded to ${extent + pad.before + pad.after} along spatial dim ${axis} ` +
          `is smaller than the kernel, which spans ${(dilation[axis] as number) * (kernel - 1) + 1} positions with dilation ${dilation[axis]}`,
      );
    }
    return { kernel, stride: stride[axis] as number, dilation: dilation[axis] as number, padBefore: pad.before, outSize };
  }) as [WindowAxis, WindowAxis];
  const [rows, cols] = windows;
  const patch = groupChannels * kh * kw;
  const convolve = (slice: Variable): Variable => {
    const batch = slice.shape[0] as number;
    const filters = weight.reshape([groups, outChannels / groups, patch]);
    const read = windowedInput(slice, { height: rows, width: cols }, mode);
    const products = convolveWindows(read.input, filters, read.windows, groups);
    // The bias is added while each output channel is still one row of oH·oW positions: whole rows for the kernels.
    const output = bias === null ? products : products.add(bias.reshape([groups, outChannels / groups, 1]));
    return output.reshape([batch, outChannels, rows.outSize, cols.outSize]);
  };
  const perSample = channels * kh * kw * rows.outSize * cols.outSize;
  const sliceSize = Math.max(1, Math.floor(COLUMN_ELEMENTS_LIMIT / perSample));
  const recorded = isGradEnabled() && [x, weight, bias].some((v) => v?.requiresGrad);
  return recorded || n <= sliceSize ? convolve(x) : inBatchSlices(x, sliceSize, convolve);
}

/**
 * The most im2col elements one call materialises outside training (64 MiB of float32): a test pass
 * at batch 1000 through examples/mnist's second convolution would otherwise build 660 MB of columns.
 * A recorded convolution is one op (convolveWindows) whose graph keeps the input, not the columns,
 * and whose backward builds them again; it is not sliced.
 */
const COLUMN_ELEMENTS_LIMIT = 1 << 24;

/** `convolve` over slices of `size` samples, each slice's columns freed before the next is built. */
function inBatchSlices(x: Variable, size: number, convolve: (slice: Variable) => Variable): Variable {
  const n = x.shape[0] as number;
  const pieces = [];
  for (let start = 0; start < n; start += size) pieces.push(tidy(() => convolve(x.narrow(0, start, Math.min(size, n - start))).data));
  try {
    return new Variable(cat(pieces, 0));
  } finally {
    for (const piece of pieces) piece.dispose();
  }
}

function optionalBias(bias: Input | null | undefined): Variable | null {
  return bias === undefined || bias === null ? null : asVariable(bias);
}

/** conv2d with the padding filled as `mode` says; Conv2d's paddingMode comes here. */
export function conv2dWithMode(input: Input, weight: Input, bias: Input | null | undefined, options: Conv2dOptions, mode: PaddingMode): Variable {
  const x = asVariable(input);
  const w = asVariable(weight);
  if (w.ndim !== 4) throw new Error(`conv2d: the weight must be 4-D [outChannels, inChannels / groups, kH, kW], got ${formatShape(w.shape)}`);
  if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`conv2d: expected an input [N, C, H, W] (or [C, H, W] for one sample), got ${formatShape(x.shape)}`);
  const geometry = convGeometry(options, w.shape.slice(2), 'conv2d');
  const b = optionalBias(bias);
  return composite('conv2d', [x, w, b], { ...geometry, mode }, () => {
    const batched = x.ndim === 4 ? x : x.unsqueeze(0);
    const output = convolve2d(batched, w, b, geometry, mode, 'conv2d');
    return x.ndim === 4 ? output : output.squeeze(0);
  });
}

/** conv1d with the padding filled as `mode` says; Conv1d's paddingMode comes here. */
export function conv1dWithMode(input: Input, weight: Input, bias: Input | null | undefined, options: Conv1dOptions, mode: PaddingMode): Variable {
  const x = asVariable(input);
  const w = asVariable(weight);
  if (w.ndim !== 3) throw new Error(`conv1d: the weight must be 3-D [outChannels, inChannels / groups, kernelSize], got ${formatShape(w.shape)}`);
  if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`conv1d: expected an input [N, C, L] (or [C, L] for one sample), got ${formatShape(x.shape)}`);
  const lengthGeometry = convGeometry(options, w.shape.slice(2), 'conv1d');
  // A height of 1 with a one-tap kernel: the 2-D machinery then slides along the length only.
  const geometry: ConvGeometry = {
    stride: [1, ...lengthGeometry.stride],
    dilation: [1, ...lengthGeometry.dilation],
    padding: [{ before: 0, after: 0 }, ...lengthGeometry.padding],
    groups: lengthGeometry.groups,
  };
  const b = optionalBias(bias);
  return composite('conv1d', [x, w, b], { ...lengthGeometry, mode }, () => {
    const batched = x.ndim === 3 ? x : x.unsqueeze(0);
    const output = convolve2d(batched.unsqueeze(2), w.unsqueeze(2), b, geometry, mode, 'conv1d').squeeze(2);
    return x.ndim === 3 ? output : output.squeeze(0);
  });
}

/**
 * 2-D convolution (cross-correlation) of `input` [N, C, H, W] with `weight`
 * [outChannels, C / groups, kH, kW], plus `bias` [outChannels], as PyTorch's `F.conv2d`.
 *
 * @example
 * F.conv2d(images, weight, bias, { stride: 2, padding: 1 }); // [N, 3, 32, 32] with a 3×3 kernel gives [N, outChannels, 16, 16]
 */
export function conv2d(input: Input, weight: Input, bias?: Input | null, options: Conv2dOptions = {}): Variable {
  return conv2dWithMode(input, weight, bias, options, 'zeros');
}

/** 1-D convolution of `input` [N, C, L] with `weight` [outChannels, C / groups, k], as PyTorch's `F.conv1d`. */
export function conv1d(input: Input, weight: Input, bias?: Input | null, options: Conv1dOptions = {}): Variable {
  return conv1dWithMode(input, weight, bias, options, 'zeros');
}
