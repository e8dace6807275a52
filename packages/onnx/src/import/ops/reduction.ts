import { Variable } from '@kindling/autograd';
import { arange } from '@kindling/tensor';
import { input, inputNumbers, normalizeAxis, type NodeContext, type OnnxOp, type OpTable } from '../op-types.js';

/*
 * Reductions, softmax and arg-reductions. The axes are an attribute until opset 13 (ReduceSum) or 18
 * (the others) and an optional input after; no axes reduce everything, unless
 * `noop_with_empty_axes` asks for the input back.
 */

const REDUCE_ATTRIBUTES = ['axes', 'keepdims', 'noop_with_empty_axes'];

function reduceAxes(ctx: NodeContext, x: Variable, axesAsInputFrom: number): number[] | undefined {
  const axes = ctx.opset >= axesAsInputFrom ? inputNumbers(ctx, 1, 'axes') : ctx.attrs.ints('axes');
  if (axes === undefined || axes.length === 0) return undefined;
  return [...new Set(axes.map((a) => normalizeAxis(a, x.ndim, ctx.where)))];
}

function reduction(reduce: (x: Variable, dims: number[], keepdim: boolean) => Variable, axesAsInputFrom = 18): OnnxOp {
  return {
    attributes: REDUCE_ATTRIBUTES,
    run: (ctx) => {
      const x = input(ctx, 0);
      const axes = reduceAxes(ctx, x, axesAsInputFrom);
      if (axes === undefined && ctx.attrs.int('noop_with_empty_axes', 0) === 1) return [x];
      const dims = axes ?? x.shape.map((_, d) => d);
      return [reduce(x, dims, ctx.attrs.int('keepdims', 1) === 1)];
    },
  };
}

/** Max or min over several dims: one dim at a time, the highest first so the others keep their places. */
function extremeOver(x: Variable, dims: number[], keepdim: boolean, op: 'max' | 'min'): Variable {
  if (dims.length === x.ndim && !keepdim) return op === 'max' ? x.max() : x.min();
  return [...dims].sort((a, b) => b - a).reduce((acc, d) => (op === 'max' ? acc.max(d, keepdim) : acc.min(d, keepdim)).values, x);
}

/** Softmax and LogSoftmax: along `axis` from opset 13; before, over the flattened dims from `axis` on. */
function softmaxOp(log: boolean): OnnxOp {
  return {
    attributes: ['axis'],
    run: (ctx) => {
      const x = input(ctx, 0);
      const apply = (v: Variable, dim: number): Variable => (log ? v.logSoftmax(dim) : v.softmax(dim));
      if (ctx.opset >= 13) return [apply(x, normalizeAxis(ctx.attrs.int('axis', -1), Math.max(x.ndim, 1), ctx.where))];
      const axis = normalizeAxis(ctx.attrs.int('axis', 1), Math.max(x.ndim, 1), ctx.where);
      const rows = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
      return [apply(x.reshape([rows, -1]), 1).reshape(x.shape)];
    },
  };
}

function argReduce(op: 'argmax' | 'argmin'): OnnxOp {
  return {
    attributes: ['axis', 'keepdims', 'select_last_index'],
    run: (ctx) => {
      const x = input(ctx, 0);
      const axis = normalizeAxis(ctx.attrs.int('axis', 0), x.ndim, ctx.where);
      const keepdim = ctx.attrs.int('keepdims', 1) === 1;
      if (ctx.attrs.int('select_last_index', 0) === 0) return [new Variable(x.data[op](axis, keepdim))];
      // The last extreme is the first one of the reversed axis, counted from the end.
      const extent = x.shape[axis] as number;
      const reversed = x.data.indexSelect(axis, arange(extent - 1, -1, -1, { dtype: 'int32', device: x.device }));
      return [new Variable(reversed[op](axis, keepdim).neg().add(extent - 1))];
    },
  };
}

export const reductionOps: OpTable = {
  ReduceSum: reduction((x, dims, keepdim) => x.sum(dims, keepdim), 13),
  ReduceMean: reduction((x, dims, keepdim) => x.mean(dims, keepdim)),
  ReduceMax: reduction((x, dims, keepdim) => extremeOver(x, dims, keepdim, 'max')),
  ReduceMin: reduction((x, dims, keepdim) => extremeOver(x, dims, keepdim, 'min')),
  ReduceSumSquare: reduction((x, dims, keepdim) => x.mul(x).sum(dims, keepdim)),
  ReduceL1: reduction((x, dims, keepdim) => x.abs().sum(dims, keepdim)),
  ReduceL2: reduction((x, dims, keepdim) => x.mul(x).sum(dims, keepdim).sqrt()),
  ReduceLogSum: reduction((x, dims, keepdim) => x.sum(dims, keepdim).log()),
  ReduceLogSumExp: reduction((x, dims, keepdim) => {
    const peak = extremeOver(x, dims, true, 'max');
    const result = x.sub(peak).exp().sum(dims, true).log().add(peak);
    return keepdim ? result : result.reshape(x.shape.filter((_, d) => !dims.includes(d)));
  }),
  Softmax: softmaxOp(false),
  LogSoftmax: softmaxOp(true),
  ArgMax: argReduce('argmax'),
  ArgMin: argReduce('argmin'),
};
