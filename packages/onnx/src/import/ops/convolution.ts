import { Variable } from '@kindling/autograd';
import { functional as F } from '@kindling/nn';
import { onesLike, tensor } from '@kindling/tensor';
import { OnnxImportError } from '../../errors.js';
import type { Attributes } from '../attributes.js';
import { expectOneOf, input, unsupported, type NodeContext, type OnnxOp, type OpTable } from '../op-types.js';
import { padAxis } from './indexing.js';

/*
 * Conv and pooling over 1-D and 2-D spatial inputs (NCL, NCHW), on nn's functions. ONNX pads each
 * side separately; where the two sides differ (or a pool pads more than nn allows), the input is
 * padded explicitly first.
 */

const AUTO_PADS = ['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'];
const WINDOW_ATTRIBUTES = ['auto_pad', 'kernel_shape', 'pads', 'strides', 'dilations'];

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Per spatial axis: [before, after]. */
  pads: [number, number][];
}

function windowOf(ctx: NodeContext, x: Variable, kernel: number[]): Window {
  const axes = kernel.length;
  const strides = ctx.attrs.ints('strides') ?? Array<number>(axes).fill(1);
  const dilations = ctx.attrs.ints('dilations') ?? Array<number>(axes).fill(1);
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  const given = ctx.attrs.ints('pads') ?? Array<number>(2 * axes).fill(0);
  const pads = kernel.map((k, i): [number, number] => {
    if (autoPad === 'VALID') return [0, 0];
    if (autoPad === 'NOTSET') return [given[i] as number, given[i + axes] as number];
    const extent = x.shape[i + 2] as number;
    const stride = strides[i] as number;
    const total = Math.max((Math.ceil(extent / stride) - 1) * stride + ((k - 1) * (dilations[i] as number) + 1) - extent, 0);
    const small = Math.floor(total / 2);
    return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
  });
  return { kernel, strides, dilations, pads };
}

function spatialRank(ctx: NodeContext, x: Variable): number {
  const rank = x.ndim - 2;
  if (rank !== 1 && rank !== 2) throw unsupported(ctx.where, `${ctx.opType} ${rank}-D`, `${rank}-D ${ctx.opType} is not supported (supported: 1-D and 2-D spatial inputs)`);
  return rank;
}

function checkWindow(attrs: Attributes, node: { where: string }, opType: string): void {
  expectOneOf(node.where, opType, 'auto_pad', attrs.string('auto_pad', 'NOTSET'), AUTO_PADS);
  const rank = attrs.ints('kernel_shape')?.length;
  if (rank !== undefined && rank !== 1 && rank !== 2) throw unsupported(node.where, `${opType} ${rank}-D`, `${rank}-D ${opType} is not supported (supported: 1-D and 2-D)`);
}

/** Pads every spatial axis explicitly with `value`; the window then pads nothing. */
function padExplicitly(x: Variable, window: Window, value: number): [Variable, Window] {
  const fill = new Variable(tensor(value, { dtype: x.dtype, device: x.device }));
  const padded = window.pads.reduce((acc, [before, after], i) => padAxis(acc, i + 2, before, after, 'constant', fill), x);
  return [padded, { ...window, pads: window.pads.map((): [number, number] => [0, 0]) }];
}

/** 1-D windows run as 2-D ones over a height of 1. */
function as2d(x: Variable, window: Window): [Variable, Window] {
  if (window.kernel.length === 2) return [x, window];
  const one = (list: number[], fill: number): number[] => [fill, ...list];
  return [x.unsqueeze(2), { kernel: one(window.kernel, 1), strides: one(window.strides, 1), dilations: one(window.dilations, 1), pads: [[0, 0], ...window.pads] }];
}

function pair(list: number[]): [number, number] {
  return [list[0] as number, list[1] as number];
}

/**
 * Refuses a Conv whose `kernel_shape` is not its weight's spatial dims: ONNX Runtime refuses it,
 * and following either one silently would compute something the file does not say.
 */
export function assertKernelMatchesWeight(where: string, kernelShape: readonly number[] | undefined, weightName: string, weightShape: readonly number[]): void {
  const kernel = weightShape.slice(2);
  if (kernelShape === undefined || (kernelShape.length === kernel.length && kernelShape.every((k, i) => k === kernel[i]))) return;
  throw new OnnxImportError(
    `${where}: its kernel_shape [${kernelShape.join(', ')}] contradicts its weight '${weightName}' of shape [${weightShape.join(', ')}], whose kernel is [${kernel.join(', ')}]; fix the attribute or leave it out (the weight's shape gives the kernel)`,
  );
}

function conv(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const weight = input(ctx, 1);
  const rank = spatialRank(ctx, x);
  assertKernelMatchesWeight(ctx.where, ctx.attrs.ints('kernel_shape'), ctx.inputs[1]?.name ?? '', weight.shape);
  let window = windowOf(ctx, x, weight.shape.slice(2));
  let padded = x;
  if (window.pads.some(([before, after]) => before !== after)) [padded, window] = padExplicitly(x, window, 0);
  const options = { stride: window.strides, padding: window.pads.map(([before]) => before), dilation: window.dilations, groups: ctx.attrs.int('group', 1) };
  const bias = ctx.inputs[2]?.variable;
  if (rank === 1) return [F.conv1d(padded, weight, bias, { ...options, stride: options.stride[0], padding: options.padding[0], dilation: options.dilation[0] })];
  return [F.conv2d(padded, weight, bias, { ...options, stride: pair(options.stride), padding: pair(options.padding), dilation: pair(options.dilation) })];
}

function maxPool(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const rank = spatialRank(ctx, x);
  let [x2d, window] = as2d(x, windowOf(ctx, x, ctx.attrs.ints('kernel_shape') ?? []));
  if (window.pads.some(([before, after], i) => before !== after || before > (window.kernel[i] as number) / 2)) [x2d, window] = padExplicitly(x2d, window, -Infinity);
  const pooled = F.maxPool2d(x2d, pair(window.kernel), {
    stride: pair(window.strides),
    padding: pair(window.pads.map(([before]) => before)),
    dilation: pair(window.dilations),
    ceilMode: ctx.attrs.int('ceil_mode', 0) === 1,
  });
  return [rank === 1 ? pooled.squeeze(2) : pooled];
}

/**
 * Average pooling. With padding that nn's avgPool2d cannot take, each window's sum is divided by
 * a pooled mask of the positions it counts (the padding too with count_include_pad).
 */
function averagePool(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const rank = spatialRank(ctx, x);
  const [x2d, window] = as2d(x, windowOf(ctx, x, ctx.attrs.ints('kernel_shape') ?? []));
  const kernel = pair(window.kernel);
  const ceilMode = ctx.attrs.int('ceil_mode', 0) === 1;
  const countIncludePad = ctx.attrs.int('count_include_pad', 0) === 1;
  const simple = window.pads.every(([before, after], i) => before === after && before <= (window.kernel[i] as number) / 2);
  let pooled: Variable;
  if (simple) {
    pooled = F.avgPool2d(x2d, kernel, { stride: pair(window.strides), padding: pair(window.pads.map(([before]) => before)), ceilMode, countIncludePad });
  } else {
    const sumOf = (v: Variable): Variable => F.avgPool2d(v, kernel, { stride: pair(window.strides), ceilMode, divisorOverride: 1 });
    const [paddedX] = padExplicitly(x2d, window, 0);
    const mask = new Variable(onesLike(x2d.data.narrow(0, 0, 1).narrow(1, 0, 1)));
    const [paddedMask] = padExplicitly(mask, window, countIncludePad ? 1 : 0);
    pooled = sumOf(paddedX).div(sumOf(paddedMask));
  }
  return [rank === 1 ? pooled.squeeze(2) : pooled];
}

function spatialDims(x: Variable): number[] {
  return x.shape.slice(2).map((_, i) => i + 2);
}

function windowOp(opType: string, run: OnnxOp['run'], extra: readonly string[]): OnnxOp {
  return { attributes: [...WINDOW_ATTRIBUTES, ...extra], check: (attrs, node) => checkWindow(attrs, node, opType), run };
}

export const convolutionOps: OpTable = {
  Conv: windowOp('Conv', conv, ['group']),
  MaxPool: {
    ...windowOp('MaxPool', maxPool, ['ceil_mode', 'storage_order']),
    check: (attrs, node) => {
      checkWindow(attrs, node, 'MaxPool');
      if (node.outputCount > 1) throw unsupported(node.where, 'MaxPool Indices output', 'the Indices output of MaxPool is not supported (supported: the pooled values)');
    },
  },
  AveragePool: windowOp('AveragePool', averagePool, ['ceil_mode', 'count_include_pad']),
  GlobalAveragePool: { attributes: [], run: (ctx) => [input(ctx, 0).mean(spatialDims(input(ctx, 0)), true)] },
  GlobalMaxPool: {
    attributes: [],
    run: (ctx) => [spatialDims(input(ctx, 0)).reduceRight((acc, d) => acc.max(d, true).values, input(ctx, 0))],
  },
};
