import { cat, Variable } from '@kindling/autograd';
import { formatShape, full, shapeSize, tensor, type Tensor } from '@kindling/tensor';
import { expectOneOf, input, inputNumbers, normalizeAxis, type NodeContext, type OpTable } from '../op-types.js';

/* Ops that pick, join, split or pad along axes. */

/**
 * `index` checked against `extent`, never wrapped: ONNX Runtime refuses an index outside
 * [-extent, extent - 1] ("indices element out of data bounds"), and an int64 beyond int32 must not
 * turn into a small one.
 */
function checkedIndex(ctx: NodeContext, index: number, at: number, axis: number, dataShape: readonly number[]): number {
  const extent = dataShape[axis] as number;
  if (Number.isInteger(index) && index >= -extent && index < extent) return index < 0 ? index + extent : index;
  const name = ctx.inputs[1]?.name ?? '';
  throw new RangeError(
    `${ctx.where}: index ${index} (element ${at} of its indices '${name}') is out of bounds for axis ${axis} of its data, of shape ${formatShape(dataShape)}: indices must lie in [${-extent}, ${extent - 1}] (ONNX Runtime refuses it too: indices element out of data bounds)`,
  );
}

/** An int32 index tensor on the input's device, negatives counted from the end of `axis`. */
function indexTensor(ctx: NodeContext, axis: number, dataShape: readonly number[]): Tensor {
  const known = ctx.inputs[1]?.host?.values;
  if (known !== undefined) {
    const shape = ctx.inputs[1]?.shape ?? [known.length];
    return tensor(Int32Array.from(known, (v, at) => checkedIndex(ctx, v, at, axis, dataShape)), { shape: [...shape], device: ctx.device });
  }
  // Indices computed on the device are int32 already; indexSelect and gather check their range where the backend can read them.
  const index = input(ctx, 1).data;
  return index.where(index.ge(0), index.add(dataShape[axis] as number));
}

function gather(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const axis = normalizeAxis(ctx.attrs.int('axis', 0), x.ndim, ctx.where);
  const index = indexTensor(ctx, axis, x.shape);
  const picked = x.indexSelect(axis, index.reshape([shapeSize(index.shape)]));
  return [picked.reshape([...x.shape.slice(0, axis), ...index.shape, ...x.shape.slice(axis + 1)])];
}

function gatherElements(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const axis = normalizeAxis(ctx.attrs.int('axis', 0), x.ndim, ctx.where);
  return [x.gather(axis, indexTensor(ctx, axis, x.shape))];
}

/** The positions one axis of a Slice takes, with ONNX's clamping; negative steps walk backwards. */
function slicePositions(start: number, end: number, step: number, extent: number): number[] {
  const wrap = (i: number): number => (i < 0 ? i + extent : i);
  const positions: number[] = [];
  if (step > 0) {
    for (let i = Math.min(Math.max(wrap(start), 0), extent); i < Math.min(Math.max(wrap(end), 0), extent); i += step) positions.push(i);
  } else {
    for (let i = Math.min(Math.max(wrap(start), 0), extent - 1); i > Math.min(Math.max(wrap(end), -1), extent - 1); i += step) positions.push(i);
  }
  return positions;
}

function slice(ctx: NodeContext): Variable[] {
  let x = input(ctx, 0);
  const fromAttributes = ctx.opset < 10;
  const starts = fromAttributes ? (ctx.attrs.ints('starts') ?? []) : (inputNumbers(ctx, 1, 'starts') ?? []);
  const ends = fromAttributes ? (ctx.attrs.ints('ends') ?? []) : (inputNumbers(ctx, 2, 'ends') ?? []);
  const axes = (fromAttributes ? ctx.attrs.ints('axes') : inputNumbers(ctx, 3, 'axes')) ?? starts.map((_, i) => i);
  const steps = (fromAttributes ? undefined : inputNumbers(ctx, 4, 'steps')) ?? starts.map(() => 1);
  axes.forEach((a, i) => {
    const axis = normalizeAxis(a, x.ndim, ctx.where);
    const step = steps[i] as number;
    if (step === 0) throw new Error(`${ctx.where}: a slice step cannot be 0`);
    const positions = slicePositions(starts[i] as number, ends[i] as number, step, x.shape[axis] as number);
    // A forward run of steps 1 is a view; anything else picks its positions.
    x = step === 1 ? x.narrow(axis, positions[0] ?? 0, positions.length) : x.indexSelect(axis, tensor(Int32Array.from(positions), { device: ctx.device }));
  });
  return [x];
}

function split(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const axis = normalizeAxis(ctx.attrs.int('axis', 0), x.ndim, ctx.where);
  const extent = x.shape[axis] as number;
  const given = ctx.opset >= 13 ? inputNumbers(ctx, 1, 'split') : ctx.attrs.ints('split');
  const part = Math.ceil(extent / ctx.outputCount);
  const sizes = given ?? Array.from({ length: ctx.outputCount }, (_, i) => Math.max(0, Math.min(part, extent - i * part)));
  if (sizes.reduce((a, b) => a + b, 0) !== extent) throw new Error(`${ctx.where}: split sizes ${formatShape(sizes)} do not add up to axis ${axis}'s extent ${extent}`);
  let start = 0;
  return sizes.map((size) => {
    const piece = x.narrow(axis, start, size);
    start += size;
    return piece;
  });
}

/** For each padded position along an axis, the input position it reads (-1: the constant). */
function padSources(extent: number, before: number, after: number, mode: string): number[] {
  return Array.from({ length: extent + before + after }, (_, p) => {
    const i = p - before;
    if (i >= 0 && i < extent) return i;
    if (mode === 'reflect') return i < 0 ? -i : 2 * (extent - 1) - i;
    if (mode === 'edge') return Math.min(Math.max(i, 0), extent - 1);
    if (mode === 'wrap') return ((i % extent) + extent) % extent;
    return -1;
  });
}

/** Pads (or, with negative amounts, crops) `x` along `axis`. */
export function padAxis(x: Variable, axis: number, before: number, after: number, mode: string, value: Variable): Variable {
  const extent = x.shape[axis] as number;
  const cropped = x.narrow(axis, Math.max(-before, 0), extent - Math.max(-before, 0) - Math.max(-after, 0));
  const [b, a] = [Math.max(before, 0), Math.max(after, 0)];
  if (b === 0 && a === 0) return cropped;
  if (mode === 'constant') {
    const side = (size: number): Variable => {
      const shape = [...cropped.shape];
      shape[axis] = size;
      return new Variable(full(shape, 0, { dtype: cropped.dtype, device: cropped.device })).add(value);
    };
    return cat([side(b), cropped, side(a)], axis);
  }
  const sources = padSources(cropped.shape[axis] as number, b, a, mode);
  return cropped.indexSelect(axis, tensor(Int32Array.from(sources), { device: cropped.device }));
}

const PAD_MODES = ['constant', 'reflect', 'edge', 'wrap'];

function pad(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const mode = ctx.attrs.string('mode', 'constant');
  const pads = ctx.opset >= 11 ? (inputNumbers(ctx, 1, 'pads') ?? []) : (ctx.attrs.ints('pads') ?? ctx.attrs.ints('paddings') ?? []);
  const given = ctx.opset >= 11 ? ctx.inputs[2]?.variable : undefined;
  const value = given ?? new Variable(tensor(ctx.attrs.float('value', 0), { dtype: x.dtype, device: x.device }));
  const axes = (ctx.opset >= 18 ? inputNumbers(ctx, 3, 'axes') : undefined)?.map((a) => normalizeAxis(a, x.ndim, ctx.where)) ?? x.shape.map((_, d) => d);
  if (pads.length !== 2 * axes.length) throw new Error(`${ctx.where}: pads ${formatShape(pads)} must have two entries per padded axis (${axes.length})`);
  return [axes.reduce((acc, axis, i) => padAxis(acc, axis, pads[i] as number, pads[i + axes.length] as number, mode, value.reshape([]).to(x.dtype)), x)];
}

export const indexingOps: OpTable = {
  Gather: { attributes: ['axis'], run: gather },
  GatherElements: { attributes: ['axis'], run: gatherElements },
  Slice: { attributes: ['starts', 'ends', 'axes'], run: slice },
  Split: { attributes: ['axis', 'split'], run: split },
  Concat: {
    attributes: ['axis'],
    run: (ctx) => {
      const parts = ctx.inputs.map((_, i) => input(ctx, i));
      const rank = Math.max(...parts.map((p) => p.ndim));
      return [cat(parts, normalizeAxis(ctx.attrs.int('axis', 1), rank, ctx.where))];
    },
  },
  Pad: {
    attributes: ['mode', 'pads', 'paddings', 'value'],
    check: (attrs, node) => expectOneOf(node.where, 'Pad', 'mode', attrs.string('mode', 'constant'), node.opset >= 19 ? PAD_MODES : PAD_MODES.slice(0, 3)),
    run: pad,
  },
};
