import type { Variable } from '@kindling/autograd';
import { broadcastShapes, formatShape, shapeSize } from '@kindling/tensor';
import { ONNX_DTYPE } from '../../proto/proto.js';
import { input, inputNumbers, normalizeAxis, type NodeContext, type OpTable } from '../op-types.js';
import { Value } from '../value.js';

/* Ops that change only the shape, and the ops that read it. */

/** An int64 1-D value known on the host (a shape, a size). */
function knownInts(values: readonly number[], ctx: NodeContext, shape: readonly number[] = [values.length]): Value {
  return Value.known({ onnxType: ONNX_DTYPE.INT64, shape, values }, ctx.device, ctx.where);
}

/** Reshape's target: 0 copies the input's extent (unless `allowzero`), one -1 is inferred. */
function reshapeTarget(x: Variable, requested: readonly number[], allowZero: boolean): number[] {
  return requested.map((extent, d) => (extent === 0 && !allowZero ? (x.shape[d] as number) : extent));
}

function flatten(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const axis = ctx.attrs.int('axis', 1);
  const split = axis < 0 ? axis + x.ndim : axis;
  if (split < 0 || split > x.ndim) throw new Error(`${ctx.where}: axis ${axis} is out of range for rank ${x.ndim}`);
  return [x.reshape([shapeSize(x.shape.slice(0, split)), shapeSize(x.shape.slice(split))])];
}

/** The axes of Squeeze and Unsqueeze: an attribute before opset 13, an input from then on. */
function axesOf(ctx: NodeContext): readonly number[] | undefined {
  return ctx.opset >= 13 ? inputNumbers(ctx, 1, 'axes') : ctx.attrs.ints('axes');
}

function squeeze(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const given = axesOf(ctx);
  const axes = given === undefined ? x.shape.flatMap((extent, d) => (extent === 1 ? [d] : [])) : given.map((a) => normalizeAxis(a, x.ndim, ctx.where));
  for (const axis of axes) {
    if (x.shape[axis] !== 1) throw new Error(`${ctx.where}: cannot squeeze axis ${axis} of extent ${x.shape[axis]} (input ${formatShape(x.shape)})`);
  }
  return [x.reshape(x.shape.filter((_, d) => !axes.includes(d)))];
}

function unsqueeze(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const rank = x.ndim + (axesOf(ctx)?.length ?? 0);
  const axes = (axesOf(ctx) ?? []).map((a) => normalizeAxis(a, rank, ctx.where));
  const shape: number[] = [];
  let next = 0;
  for (let d = 0; d < rank; d++) shape.push(axes.includes(d) ? 1 : (x.shape[next++] as number));
  return [x.reshape(shape)];
}

/** Tile as a broadcast: [d0, d1] repeated [r0, r1] is [1, d0, 1, d1] expanded to [r0, d0, r1, d1], merged. */
function tile(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const repeats = inputNumbers(ctx, 1, 'repeats') ?? [];
  if (repeats.length !== x.ndim) throw new Error(`${ctx.where}: repeats ${formatShape(repeats)} must have one entry per dim of the input ${formatShape(x.shape)}`);
  const spread = x.reshape(x.shape.flatMap((extent) => [1, extent]));
  const expanded = spread.expand(x.shape.flatMap((extent, d) => [repeats[d] as number, extent]));
  return [expanded.reshape(x.shape.map((extent, d) => extent * (repeats[d] as number)))];
}

export const shapeOps: OpTable = {
  Identity: { attributes: [], run: (ctx) => [ctx.inputs[0] as Value] },
  Flatten: { attributes: ['axis'], run: flatten },
  Reshape: {
    attributes: ['allowzero', 'shape', 'consumed_inputs'],
    run: (ctx) => {
      const x = input(ctx, 0);
      const requested = ctx.opset >= 5 ? (inputNumbers(ctx, 1, 'shape') ?? []) : (ctx.attrs.ints('shape') ?? []);
      return [x.reshape(reshapeTarget(x, requested, ctx.attrs.int('allowzero', 0) === 1))];
    },
  },
  Transpose: {
    attributes: ['perm'],
    run: (ctx) => {
      const x = input(ctx, 0);
      return [x.permute(ctx.attrs.ints('perm') ?? x.shape.map((_, d) => x.ndim - 1 - d))];
    },
  },
  Squeeze: { attributes: ['axes'], run: squeeze },
  Unsqueeze: { attributes: ['axes'], run: unsqueeze },
  Expand: {
    attributes: [],
    run: (ctx) => {
      const x = input(ctx, 0);
      const shape = broadcastShapes(x.shape, inputNumbers(ctx, 1, 'shape') ?? [], ctx.where);
      return [x.expand(shape)];
    },
  },
  Tile: { attributes: [], run: tile },
  Shape: {
    attributes: ['start', 'end'],
    run: (ctx) => {
      const shape = (ctx.inputs[0] as Value).shape;
      const clampIndex = (i: number): number => Math.min(Math.max(i < 0 ? i + shape.length : i, 0), shape.length);
      return [knownInts(shape.slice(clampIndex(ctx.attrs.int('start', 0)), clampIndex(ctx.attrs.int('end', shape.length))), ctx)];
    },
  },
  Size: { attributes: [], run: (ctx) => [knownInts([shapeSize((ctx.inputs[0] as Value).shape)], ctx, [])] },
};
