import { isFloatingDType, promoteTypes, type DType, type Tensor } from '@kindling/tensor';
import { onnxDType } from '../tensor-proto.js';
import type { EmitContext, Emitter } from './emit-context.js';

/*
 * How each autograd op (and each comparison and arg-reduction, which give plain Tensors) is written
 * as ONNX nodes. ONNX wants both operands of arithmetic in one type, where Kindling promotes, so
 * operands are cast to the output's dtype first.
 */

function unary(opType: string): Emitter {
  return (c) => c.node(opType, [c.input(0)]);
}

function binary(opType: string): Emitter {
  return (c) => c.node(opType, [c.input(0), c.input(1)]);
}

/** The dtype Kindling compares two operands in (numbers are weak, as in its promotion). */
function comparedDType(c: EmitContext): DType {
  const tensors = [0, 1].filter((i) => typeof c.op.inputs[i] !== 'number').map((i) => c.dtypeOfInput(i));
  let dtype = tensors.reduce(promoteTypes);
  if ([0, 1].some((i) => typeof c.op.inputs[i] === 'number' && !Number.isInteger(c.op.inputs[i])) && !isFloatingDType(dtype)) dtype = 'float32';
  return dtype;
}

function comparison(opType: string, negate = false): Emitter {
  return (c) => {
    const dtype = comparedDType(c);
    const compared = c.node(opType, [c.input(0, dtype), c.input(1, dtype)]);
    return negate ? c.node('Not', [compared]) : compared;
  };
}

/**
 * Reshape's target for the output's shape. Leading dims the reshape keeps are written as 0 ("copy
 * the input's"), so a dynamic batch dim stays dynamic.
 */
function reshape(c: EmitContext): string {
  const input = c.shapeOf(0);
  let kept = 0;
  while (kept < Math.min(input.length, c.shape.length) && input[kept] === c.shape[kept] && input[kept] !== 0) kept++;
  const target = c.shape.map((extent, d) => (d < kept ? 0 : extent));
  return c.node('Reshape', [c.input(0), c.ints(target)]);
}

/** A reduction over `dims` (all when undefined): axes are an input of ReduceSum from opset 13, of the others from 18. */
function reduce(c: EmitContext, opType: string, dims: readonly number[] | undefined, keepdim: boolean): string {
  const axesAsInput = opType === 'ReduceSum' ? c.opset >= 13 : c.opset >= 18;
  const keepdims = { keepdims: { int: keepdim ? 1 : 0 } };
  if (dims === undefined || dims.length === 0) return c.node(opType, [c.input(0)], keepdims);
  if (axesAsInput) return c.node(opType, [c.input(0), c.ints(dims)], keepdims);
  return c.node(opType, [c.input(0)], { ...keepdims, axes: { ints: dims } });
}

function reduction(opType: string): Emitter {
  return (c) => {
    const dims = c.attrs.dims as number[] | undefined;
    return reduce(c, opType, dims, (c.attrs.keepdim as boolean | undefined) ?? false);
  };
}

/** maxDim and minDim: the values along one dim; the output's rank tells whether it was kept. */
function extremeAlong(opType: string): Emitter {
  return (c) => reduce(c, opType, [c.attrs.dim as number], c.shape.length === c.shapeOf(0).length);
}

/** ArgMax and ArgMin give int64 in ONNX; Kindling's int32 is a Cast away. */
function argReduce(opType: string): Emitter {
  return (c) => {
    const dim = c.attrs.dim as number | null;
    const input = c.input(0, null);
    let index: string;
    if (dim !== null) index = c.node(opType, [input], { axis: { int: dim }, keepdims: { int: c.attrs.keepdim ? 1 : 0 } });
    else {
      const flat = c.node('Reshape', [input, c.ints([-1])], {}, c.dtypeOfInput(0));
      index = c.node(opType, [flat], { axis: { int: 0 }, keepdims: { int: 0 } });
      if (c.shape.length > 0) index = c.node('Reshape', [index, c.ints(c.shape.map(() => 1))]);
    }
    return c.node('Cast', [index], { to: { int: onnxDType('int32') } });
  };
}

function softmax(opType: string): Emitter {
  return (c) => {
    const dim = c.attrs.dim as number;
    if (c.opset < 13 && dim !== c.shape.length - 1) throw c.fail(`before opset 13 ONNX's ${opType} works on the last dim only; export with opset 13 or later`);
    return c.node(opType, [c.input(0)], { axis: { int: dim } });
  };
}

function clamp(c: EmitContext): string {
  const bound = (value: unknown): string => (value === null || value === undefined ? '' : typeof value === 'number' ? c.scalar(value) : c.builder.cast(c.builder.nameOf(value as Tensor, c.scope), c.dtype, c.scope));
  const { min, max } = c.attrs;
  if ((min !== null && typeof min !== 'number') || (max !== null && typeof max !== 'number')) {
    const lowered = min === null ? c.input(0) : c.node('Max', [c.input(0), bound(min)]);
    return max === null ? lowered : c.node('Min', [lowered, bound(max)]);
  }
  return c.node('Clip', [c.input(0), bound(min), bound(max)]);
}

/** slice, narrow and select: one Slice along `dim` (select then drops it). */
function slice(c: EmitContext, drop: boolean): string {
  const { dim, start, step } = c.attrs as { dim: number; start: number; step: number };
  const count = drop ? 1 : (c.shape[dim] as number);
  const sliced = c.node('Slice', [c.input(0), c.ints([start]), c.ints([start + count * step]), c.ints([dim]), c.ints([step])]);
  return drop ? c.node('Squeeze', [sliced, c.ints([dim])]) : sliced;
}

const identity: Emitter = (c) => c.node('Identity', [c.input(0)]);

export const PRIMITIVE_EMITTERS: Readonly<Record<string, Emitter>> = {
  neg: unary('Neg'),
  exp: unary('Exp'),
  log: unary('Log'),
  sqrt: unary('Sqrt'),
  abs: unary('Abs'),
  relu: unary('Relu'),
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  sign: unary('Sign'),
  sin: unary('Sin'),
  cos: unary('Cos'),
  erf: unary('Erf'),
  // ONNX has no erfc, rsqrt, expm1 or log1p: each is written as the ops it is defined by.
  erfc: (c) => c.node('Sub', [c.scalar(1), c.node('Erf', [c.input(0)])]),
  rsqrt: (c) => c.node('Reciprocal', [c.node('Sqrt', [c.input(0)])]),
  expm1: (c) => c.node('Sub', [c.node('Exp', [c.input(0)]), c.scalar(1)]),
  log1p: (c) => c.node('Log', [c.node('Add', [c.input(0), c.scalar(1)])]),
  add: binary('Add'),
  sub: binary('Sub'),
  mul: binary('Mul'),
  div: binary('Div'),
  pow: binary('Pow'),
  maximum: binary('Max'),
  minimum: binary('Min'),
  eq: comparison('Equal'),
  ne: comparison('Equal', true),
  lt: comparison('Less'),
  le: comparison('LessOrEqual'),
  gt: comparison('Greater'),
  ge: comparison('GreaterOrEqual'),
  clamp,
  where: (c) => c.node('Where', [c.builder.nameOf(c.attrs.condition as Tensor, c.scope), c.input(0), c.input(1)]),
  to: (c) => (c.dtype === c.dtypeOfInput(0) ? identity(c) : c.node('Cast', [c.input(0, null)], { to: { int: onnxDType(c.dtype) } })),
  matmul: binary('MatMul'),
  sum: reduction('ReduceSum'),
  mean: reduction('ReduceMean'),
  max: (c) => reduce(c, 'ReduceMax', undefined, false),
  min: (c) => reduce(c, 'ReduceMin', undefined, false),
  maxDim: extremeAlong('ReduceMax'),
  minDim: extremeAlong('ReduceMin'),
  argmax: argReduce('ArgMax'),
  argmin: argReduce('ArgMin'),
  softmax: softmax('Softmax'),
  logSoftmax: softmax('LogSoftmax'),
  gather: (c) => c.node('GatherElements', [c.input(0), c.builder.nameOf(c.attrs.index as Tensor, c.scope)], { axis: { int: c.attrs.dim as number } }),
  indexSelect: (c) => c.node('Gather', [c.input(0), c.builder.nameOf(c.attrs.index as Tensor, c.scope)], { axis: { int: c.attrs.dim as number } }),
  cat: (c) => c.node('Concat', c.op.inputs.map((_, i) => c.input(i)), { axis: { int: c.attrs.dim as number } }),
  reshape,
  view: reshape,
  flatten: reshape,
  squeeze: reshape,
  unsqueeze: reshape,
  transpose: (c) => {
    const rank = c.shape.length;
    const [a, b] = [c.attrs.dim0 as number, c.attrs.dim1 as number].map((d) => (d < 0 ? d + rank : d));
    return c.node('Transpose', [c.input(0)], { perm: { ints: c.shape.map((_, d) => (d === a ? (b as number) : d === b ? (a as number) : d)) } });
  },
  permute: (c) => c.node('Transpose', [c.input(0)], { perm: { ints: c.attrs.dims as number[] } }),
  expand: (c) => {
    const input = c.shapeOf(0);
    const lead = c.shape.length - input.length;
    // 1 where the input already has the extent, so that a dynamic dim is broadcast, not fixed.
    return c.node('Expand', [c.input(0), c.ints(c.shape.map((extent, d) => (d >= lead && input[d - lead] === extent ? 1 : extent)))]);
  },
  slice: (c) => slice(c, false),
  narrow: (c) => slice(c, false),
  select: (c) => slice(c, true),
  contiguous: identity,
  clone: identity,
  crossEntropy: (c) =>
    c.node('SoftmaxCrossEntropyLoss', [c.input(0), c.builder.nameOf(c.attrs.target as Tensor, c.scope)], {
      reduction: { string: c.attrs.reduction as string },
      ignore_index: { int: c.attrs.ignoreIndex as number },
    }),
};
