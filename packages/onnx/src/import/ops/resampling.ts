import type { Variable } from '@kindling/autograd';
import { functional as F } from '@kindling/nn';
import type { Attributes } from '../attributes.js';
import { expectOneOf, input, inputNumbers, unsupported, type NodeContext, type OpTable } from '../op-types.js';

/*
 * Upsampling: ConvTranspose on nn's transposed convolutions, and Resize on nn's interpolate, which
 * follows PyTorch, so Resize takes the coordinate modes PyTorch's exporter writes: nearest with
 * 'asymmetric' coordinates and 'floor' rounding (nn.Upsample's 'nearest'), and linear with
 * 'align_corners', 'half_pixel' or 'pytorch_half_pixel' (align_corners true or false).
 */

const AUTO_PADS = ['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'];

function checkSpatialRank(where: string, opType: string, rank: number): void {
  if (rank !== 1 && rank !== 2) throw unsupported(where, `${opType} ${rank}-D`, `${rank}-D ${opType} is not supported (supported: 1-D and 2-D spatial inputs)`);
}

/**
 * ONNX's pads [begin, end] per spatial axis: given, or worked out from output_shape or auto_pad as
 * ONNX's ConvTranspose defines (the odd position goes to the end for SAME_UPPER, the start otherwise).
 */
function transposedPads(ctx: NodeContext, inputSize: readonly number[], fullSize: readonly number[]): [number, number][] {
  const axes = inputSize.length;
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  const outputShape = ctx.attrs.ints('output_shape');
  const strides = ctx.attrs.ints('strides') ?? Array<number>(axes).fill(1);
  if (outputShape === undefined && (autoPad === 'NOTSET' || autoPad === 'VALID')) {
    const pads = autoPad === 'VALID' ? Array<number>(2 * axes).fill(0) : (ctx.attrs.ints('pads') ?? Array<number>(2 * axes).fill(0));
    return inputSize.map((_, i) => [pads[i] as number, pads[i + axes] as number]);
  }
  // output_shape may list the batch and channel dims too.
  const target = outputShape === undefined ? inputSize.map((n, i) => n * (strides[i] as number)) : outputShape.slice(-axes);
  return fullSize.map((full, i) => {
    const total = full - (target[i] as number);
    if (total < 0) throw unsupported(ctx.where, 'ConvTranspose output_shape beyond its output', `output_shape [${target.join(', ')}] is larger than the transposed convolution's output [${fullSize.join(', ')}]; set output_padding instead`);
    const half = Math.floor(total / 2);
    return autoPad === 'SAME_UPPER' ? [half, total - half] : [total - half, half];
  });
}

/** ConvTranspose over 1-D and 2-D inputs; uneven pads are cut from the full output, as ONNX defines them. */
function convTranspose(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const weight = input(ctx, 1);
  const axes = x.ndim - 2;
  checkSpatialRank(ctx.where, 'ConvTranspose', axes);
  const kernel = weight.shape.slice(2);
  const strides = ctx.attrs.ints('strides') ?? Array<number>(axes).fill(1);
  const dilations = ctx.attrs.ints('dilations') ?? Array<number>(axes).fill(1);
  const outputPadding = ctx.attrs.ints('output_padding') ?? Array<number>(axes).fill(0);
  const inputSize = x.shape.slice(2);
  const fullSize = inputSize.map((n, i) => (n - 1) * (strides[i] as number) + ((kernel[i] as number) - 1) * (dilations[i] as number) + 1 + (outputPadding[i] as number));
  const pads = transposedPads(ctx, inputSize, fullSize);
  const even = pads.every(([begin, end]) => begin === end);
  const options = {
    stride: strides,
    dilation: dilations,
    outputPadding,
    padding: even ? pads.map(([begin]) => begin) : Array<number>(axes).fill(0),
    groups: ctx.attrs.int('group', 1),
  };
  const bias = ctx.inputs[2]?.variable;
  // 1-D runs as 2-D over a height of 1.
  const x2d = axes === 1 ? x.unsqueeze(2) : x;
  const weight2d = axes === 1 ? weight.unsqueeze(2) : weight;
  const one = (list: number[], fill: number): [number, number] => (axes === 1 ? [fill, list[0] as number] : [list[0] as number, list[1] as number]);
  let y = F.convTranspose2d(x2d, weight2d, bias, {
    stride: one(options.stride, 1),
    dilation: one(options.dilation, 1),
    outputPadding: one(options.outputPadding, 0),
    padding: one(options.padding, 0),
    groups: options.groups,
  });
  if (axes === 1) y = y.squeeze(2);
  if (!even) pads.forEach(([begin, end], i) => (y = y.narrow(i + 2, begin, (fullSize[i] as number) - begin - end)));
  return [y];
}

function checkConvTranspose(attrs: Attributes, node: { where: string }): void {
  expectOneOf(node.where, 'ConvTranspose', 'auto_pad', attrs.string('auto_pad', 'NOTSET'), AUTO_PADS);
  const rank = attrs.ints('kernel_shape')?.length;
  if (rank !== undefined) checkSpatialRank(node.where, 'ConvTranspose', rank);
}

/** Resize's coordinate modes by interpolation mode, as nn's interpolate computes them. */
const COORDINATE_MODES: Readonly<Record<string, readonly string[]>> = {
  nearest: ['asymmetric'],
  linear: ['align_corners', 'half_pixel', 'pytorch_half_pixel'],
};

function resize(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  checkSpatialRank(ctx.where, 'Resize', x.ndim - 2);
  // Opset 10 gives the scales as input 1; later opsets give roi, scales and sizes.
  const scales = inputNumbers(ctx, ctx.opset < 11 ? 1 : 2, 'scales');
  const sizes = ctx.opset < 11 ? undefined : inputNumbers(ctx, 3, 'sizes');
  const perAxis = sizes !== undefined && sizes.length > 0 ? sizes : scales;
  if (perAxis === undefined || perAxis.length !== x.ndim) {
    throw new Error(`${ctx.where}: needs ${x.ndim} scales or sizes, one per dim of its input of shape [${x.shape.join(', ')}], got ${perAxis === undefined ? 'neither' : `[${perAxis.join(', ')}]`}`);
  }
  const keeps = sizes !== undefined && sizes.length > 0 ? perAxis[0] === x.shape[0] && perAxis[1] === x.shape[1] : perAxis[0] === 1 && perAxis[1] === 1;
  if (!keeps) throw unsupported(ctx.where, 'Resize of the batch or channel dim', `resizing dims 0 and 1 ([${perAxis.join(', ')}] for an input of shape [${x.shape.join(', ')}]) is not supported (supported: the spatial dims)`);
  const linear = ctx.attrs.string('mode', 'nearest') === 'linear';
  const coordinates = ctx.opset < 11 ? 'asymmetric' : ctx.attrs.string('coordinate_transformation_mode', 'half_pixel');
  const bySize = sizes !== undefined && sizes.length > 0;
  const inSpatial = x.shape.slice(2);
  const spatial = perAxis.slice(2);
  const outSpatial = bySize ? spatial : inSpatial.map((n, i) => Math.floor(n * (spatial[i] as number)));
  if (coordinates === 'align_corners' && !bySize && inSpatial.some((n, i) => !Number.isInteger(n * (spatial[i] as number)))) {
    // ONNX then aligns the corners of a fractional output length; nn (as PyTorch) aligns those of the whole positions.
    throw unsupported(ctx.where, 'Resize align_corners with fractional scales', `align_corners with scales [${spatial.join(', ')}] that do not give whole sizes for [${inSpatial.join(', ')}] is not supported (supported: sizes, or scales that give whole sizes)`);
  }
  // pytorch_half_pixel reads position 0 where an axis shrinks to one position, and half_pixel (and nn) its middle.
  const source = coordinates === 'pytorch_half_pixel' ? outSpatial.reduce((v, n, i) => (n === 1 ? v.narrow(i + 2, 0, 1) : v), x) : x;
  const options = bySize ? { size: spatial } : { scaleFactor: outSpatial.map((n, i) => (source.shape[i + 2] === 1 && n === 1 ? 1 : (spatial[i] as number))) };
  const mode = linear ? (x.ndim === 3 ? 'linear' : 'bilinear') : 'nearest';
  return [F.interpolate(source, { ...options, mode, ...(linear ? { alignCorners: coordinates === 'align_corners' } : {}) })];
}

function checkResize(attrs: Attributes, node: { where: string; opset: number }): void {
  const mode = attrs.string('mode', 'nearest');
  expectOneOf(node.where, 'Resize', 'mode', mode, Object.keys(COORDINATE_MODES));
  if (node.opset >= 11) {
    expectOneOf(node.where, 'Resize', 'coordinate_transformation_mode', attrs.string('coordinate_transformation_mode', 'half_pixel'), COORDINATE_MODES[mode] as string[]);
    if (mode === 'nearest') expectOneOf(node.where, 'Resize', 'nearest_mode', attrs.string('nearest_mode', 'round_prefer_floor'), ['floor']);
  }
  if (attrs.int('exclude_outside', 0) !== 0) throw unsupported(node.where, 'Resize exclude_outside', 'exclude_outside=1 is not supported (supported: 0)');
  if (attrs.int('antialias', 0) !== 0) throw unsupported(node.where, 'Resize antialias', 'antialias=1 is not supported (supported: 0)');
  if (attrs.has('axes')) throw unsupported(node.where, 'Resize axes', 'the axes attribute is not supported (supported: scales or sizes for every dim)');
  expectOneOf(node.where, 'Resize', 'keep_aspect_ratio_policy', attrs.string('keep_aspect_ratio_policy', 'stretch'), ['stretch']);
}

export const resamplingOps: OpTable = {
  ConvTranspose: {
    attributes: ['auto_pad', 'dilations', 'group', 'kernel_shape', 'output_padding', 'output_shape', 'pads', 'strides'],
    check: checkConvTranspose,
    run: convTranspose,
  },
  Resize: {
    attributes: ['antialias', 'axes', 'coordinate_transformation_mode', 'cubic_coeff_a', 'exclude_outside', 'extrapolation_value', 'keep_aspect_ratio_policy', 'mode', 'nearest_mode'],
    check: checkResize,
    run: resize,
  },
};
