import { col2im, composite, type Variable } from '@kindling/autograd';
import { formatShape, type WindowAxis } from '@kindling/tensor';
import { asVariable, type Input } from './parameter.js';
import { perAxis, type Size2d } from './sliding-windows.js';

/*
 * Transposed convolutions as PyTorch's F.conv_transpose1d and F.conv_transpose2d: the gradient of
 * a convolution with respect to its input, computed as that gradient is. Each input position
 * scatters a weighted copy of its filters into the output: one batched MatMul makes the columns
 * (weightᵀ · input, groups as a batch dim), and the Col2Im kernel sums every column into the
 * output position its window covers. col2im's gradient is im2col and the MatMul's is a MatMul, so
 * the backward pass needs no rule of its own and runs on every backend that runs a convolution.
 */

export interface ConvTranspose2dOptions {
  /** The step between the input's positions in the output (default 1). */
  stride?: Size2d;
  /** Positions cut from both ends of each spatial axis of the output (default 0), as PyTorch's `padding`. */
  padding?: Size2d;
  /** Positions added after the end of each spatial axis (default 0), to pick one of the sizes a strided convolution maps from. */
  outputPadding?: Size2d;
  /** Splits the channels into this many groups, each with its own filters (default 1). */
  groups?: number;
  /** The spacing between kernel taps (default 1). */
  dilation?: Size2d;
}

export interface ConvTranspose1dOptions {
  stride?: number | readonly [number];
  padding?: number | readonly [number];
  outputPadding?: number | readonly [number];
  groups?: number;
  dilation?: number | readonly [number];
}

type AnyTransposedOptions = ConvTranspose2dOptions | ConvTranspose1dOptions;

/** A transposed convolution's arguments, one entry per spatial axis. */
export interface TransposedGeometry {
  stride: number[];
  padding: number[];
  outputPadding: number[];
  dilation: number[];
  groups: number;
}

/** The options of a transposed convolution with `kernel` taps per spatial axis, checked. */
export function transposedGeometry(options: AnyTransposedOptions, kernel: readonly number[], opName: string): TransposedGeometry {
  const axes = kernel.length;
  if (typeof options.padding === 'string') {
    throw new Error(`${opName}: padding must be a number or one per spatial dim; PyTorch's transposed convolutions take no '${String(options.padding)}'`);
  }
  const stride = perAxis(options.stride ?? 1, axes, 'stride', opName, 1);
  const padding = perAxis(options.padding ?? 0, axes, 'padding', opName, 0);
  const outputPadding = perAxis(options.outputPadding ?? 0, axes, 'outputPadding', opName, 0);
  const dilation = perAxis(options.dilation ?? 1, axes, 'dilation', opName, 1);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${opName}: groups must be a positive integer, got ${groups}`);
  outputPadding.forEach((extra, axis) => {
    // Past both, the extra positions would lie where no window of the matching convolution reaches.
    if (extra >= (stride[axis] as number) && extra >= (dilation[axis] as number)) {
      throw new RangeError(
        `${opName}: outputPadding must be smaller than either stride or dilation, got outputPadding ${JSON.stringify(options.outputPadding)} ` +
          `with stride ${JSON.stringify(options.stride ?? 1)} and dilation ${JSON.stringify(options.dilation ?? 1)} (spatial dim ${axis})`,
      );
    }
  });
  return { stride, padding, outputPadding, dilation, groups };
}

/** The output's extent along each spatial axis: (in − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1. */
export function transposedOutputSize(inputSize: readonly number[], kernel: readonly number[], geometry: TransposedGeometry): number[] {
  return inputSize.map((extent, axis) => {
    const span = (geometry.dilation[axis] as number) * ((kernel[axis] as number) - 1);
    return (extent - 1) * (geometry.stride[axis] as number) - 2 * (geometry.padding[axis] as number) + span + (geometry.outputPadding[axis] as number) + 1;
  });
}

/**
 * The outputPadding that gives `outputSize` (the spatial sizes, or the whole shape with its batch
 * and channel dims), as PyTorch's `_output_padding`: each size must lie between the smallest
 * output and that plus stride − 1, the sizes a convolution with this stride maps back to the input.
 */
export function outputPaddingFor(outputSize: readonly number[], inputShape: readonly number[], kernel: readonly number[], geometry: TransposedGeometry, opName: string): number[] {
  const axes = kernel.length;
  const spatialInput = inputShape.slice(inputShape.length - axes);
  const nonSpatial = inputShape.length - axes;
  const requested = outputSize.length === nonSpatial + axes ? outputSize.slice(nonSpatial) : outputSize;
  if (requested.length !== axes) {
    throw new Error(`${opName}: outputSize must have ${axes} or ${nonSpatial + axes} entries for an input ${formatShape(inputShape)}, got [${outputSize.join(', ')}]`);
  }
  const smallest = transposedOutputSize(spatialInput, kernel, { ...geometry, outputPadding: new Array<number>(axes).fill(0) });
  const largest = smallest.map((size, axis) => size + (geometry.stride[axis] as number) - 1);
  if (requested.some((size, axis) => !Number.isInteger(size) || size < (smallest[axis] as number) || size > (largest[axis] as number))) {
    throw new RangeError(
      `${opName}: requested an output size of [${requested.join(', ')}], but valid sizes range from [${smallest.join(', ')}] to [${largest.join(', ')}] ` +
        `(for an input of spatial size [${spatialInput.join(', ')}])`,
    );
  }
  return requested.map((size, axis) => size - (smallest[axis] as number));
}

/** The transposed convolution of a batched [N, C, H, W] input with a [C, O / groups, kH, kW] weight. */
function convolveTransposed2d(x: Variable, weight: Variable, bias: Variable | null, geometry: TransposedGeometry, opName: string): Variable {
  const [n, channels, height, width] = x.shape as [number, number, number, number];
  const [weightChannels, groupOutChannels, kh, kw] = weight.shape as [number, number, number, number];
  const { groups } = geometry;
  if (weightChannels !== channels) {
    throw new Error(`${opName}: the weight ${formatShape(weight.shape)} expects ${weightChannels} input channels (its dim 0), but the input ${formatShape(x.shape)} has ${channels}`);
  }
  if (channels % groups !== 0) throw new Error(`${opName}: groups=${groups} must divide the input's ${channels} channels`);
  const outChannels = groupOutChannels * groups;
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new Error(`${opName}: the bias must have shape [${outChannels}] (one per output channel: ${groupOutChannels} per group × ${groups} groups), got ${formatShape(bias.shape)}`);
  }
  const [outHeight, outWidth] = transposedOutputSize([height, width], [kh, kw], geometry) as [number, number];
  if (outHeight <= 0 || outWidth <= 0) {
    throw new Error(
      `${opName}: the input ${formatShape(x.shape)} with the kernel [${kh}, ${kw}] gives an empty output [${outHeight}, ${outWidth}]; ` +
        `the padding ${JSON.stringify(geometry.padding)} removes more positions than the output has`,
    );
  }
  // The windows of the convolution this one transposes: it reads the output and gives one position per input position.
  const axisWindows = (axis: number, kernel: number, inputExtent: number): WindowAxis => ({
    kernel,
    stride: geometry.stride[axis] as number,
    dilation: geometry.dilation[axis] as number,
    padBefore: geometry.padding[axis] as number,
    outSize: inputExtent,
  });
  const filtersTransposed = weight.reshape([groups, channels / groups, groupOutChannels * kh * kw]).transpose(1, 2);
  const columns = filtersTransposed.matmul(x.reshape([n, groups, channels / groups, height * width])).reshape([n, outChannels, kh * kw, height * width]);
  const output = col2im(columns, { height: axisWindows(0, kh, height), width: axisWindows(1, kw, width) }, outHeight, outWidth);
  return bias === null ? output : output.add(bias.reshape([outChannels, 1, 1]));
}

function optionalBias(bias: Input | null | undefined): Variable | null {
  return bias === undefined || bias === null ? null : asVariable(bias);
}

/**
 * 2-D transposed convolution of `input` [N, C, H, W] (or [C, H, W]) with `weight`
 * [C, outChannels / groups, kH, kW], plus `bias` [outChannels], as PyTorch's `F.conv_transpose2d`:
 * the gradient of `F.conv2d` with respect to its input, used to upsample with learned filters.
 *
 * @example
 * F.convTranspose2d(features, weight, bias, { stride: 2, padding: 1, outputPadding: 1 }); // [N, C, 16, 16] with a 3×3 kernel gives [N, outChannels, 32, 32]
 */
export function convTranspose2d(input: Input, weight: Input, bias?: Input | null, options: ConvTranspose2dOptions = {}): Variable {
  const x = asVariable(input);
  const w = asVariable(weight);
  if (w.ndim !== 4) throw new Error(`convTranspose2d: the weight must be 4-D [inChannels, outChannels / groups, kH, kW], got ${formatShape(w.shape)}`);
  if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`convTranspose2d: expected an input [N, C, H, W] (or [C, H, W] for one sample), got ${formatShape(x.shape)}`);
  const geometry = transposedGeometry(options, w.shape.slice(2), 'convTranspose2d');
  const b = optionalBias(bias);
  return composite('convTranspose2d', [x, w, b], geometry, () => {
    const batched = x.ndim === 4 ? x : x.unsqueeze(0);
    const output = convolveTransposed2d(batched, w, b, geometry, 'convTranspose2d');
    return x.ndim === 4 ? output : output.squeeze(0);
  });
}

/** 1-D transposed convolution of `input` [N, C, L] (or [C, L]) with `weight` [C, outChannels / groups, k], as PyTorch's `F.conv_transpose1d`. */
export function convTranspose1d(input: Input, weight: Input, bias?: Input | null, options: ConvTranspose1dOptions = {}): Variable {
  const x = asVariable(input);
  const w = asVariable(weight);
  if (w.ndim !== 3) throw new Error(`convTranspose1d: the weight must be 3-D [inChannels, outChannels / groups, kernelSize], got ${formatShape(w.shape)}`);
  if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`convTranspose1d: expected an input [N, C, L] (or [C, L] for one sample), got ${formatShape(x.shape)}`);
  const lengthGeometry = transposedGeometry(options, w.shape.slice(2), 'convTranspose1d');
  // A height of 1 with a one-tap kernel: the 2-D computation then spreads along the length only.
  const geometry: TransposedGeometry = {
    stride: [1, ...lengthGeometry.stride],
    padding: [0, ...lengthGeometry.padding],
    outputPadding: [0, ...lengthGeometry.outputPadding],
    dilation: [1, ...lengthGeometry.dilation],
    groups: lengthGeometry.groups,
  };
  const b = optionalBias(bias);
  return composite('convTranspose1d', [x, w, b], lengthGeometry, () => {
    const batched = x.ndim === 3 ? x : x.unsqueeze(0);
    const output = convolveTransposed2d(batched.unsqueeze(2), w.unsqueeze(2), b, geometry, 'convTranspose1d').squeeze(2);
    return x.ndim === 3 ? output : output.squeeze(0);
  });
}
