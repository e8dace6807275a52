import { Variable, where } from '@kindling/autograd';
import { functional as F } from '@kindling/nn';
import { isFloatingDType, type BinaryOp, type CompareOp } from '@kindling/tensor';
import type { Attributes } from '../attributes.js';
import { input, type NodeContext, type OnnxOp, type OpTable } from '../op-types.js';

/*
 * Elementwise ops: numpy broadcasting is Kindling's, so most are one Variable op. Opsets before 7
 * broadcast only when asked (`broadcast=1`), aligning the second operand at `axis`.
 */

const LEGACY_BROADCAST = ['broadcast', 'axis', 'consumed_inputs'];

/** `b` reshaped so that numpy broadcasting puts it where opset < 7's `axis` says. */
function legacyAligned(a: Variable, b: Variable, attrs: Attributes, opset: number): Variable {
  const axis = attrs.int('axis');
  if (opset >= 7 || attrs.int('broadcast', 0) === 0 || axis === undefined) return b;
  const start = axis < 0 ? axis + a.ndim : axis;
  const trailing = a.ndim - start - b.ndim;
  return trailing > 0 ? b.reshape([...b.shape, ...Array<number>(trailing).fill(1)]) : b;
}

function binaryOp(op: BinaryOp): OnnxOp {
  return {
    attributes: LEGACY_BROADCAST,
    run: (ctx) => {
      const a = input(ctx, 0);
      const b = legacyAligned(a, input(ctx, 1), ctx.attrs, ctx.opset);
      if (op === 'div' && !isFloatingDType(a.dtype) && !isFloatingDType(b.dtype)) return [a.div(b).to(a.dtype)];
      const result = a[op](b);
      // Pow's result has the base's type (an int exponent does not make a float base int, nor the reverse).
      return [op === 'pow' && result.dtype !== a.dtype ? result.to(a.dtype) : result];
    },
  };
}

function unaryOp(compute: (x: Variable) => Variable, attributes: readonly string[] = ['consumed_inputs']): OnnxOp {
  return { attributes, run: (ctx) => [compute(input(ctx, 0))] };
}

/** Max, Min, Sum, Mean: any number of operands, broadcast together. */
function variadic(combine: (a: Variable, b: Variable) => Variable, finish: (total: Variable, count: number) => Variable = (t) => t): OnnxOp {
  return {
    attributes: ['consumed_inputs'],
    run: (ctx) => {
      const operands = ctx.inputs.map((_, i) => input(ctx, i));
      return [finish(operands.slice(1).reduce(combine, operands[0] as Variable), operands.length)];
    },
  };
}

function comparison(op: CompareOp): OnnxOp {
  return { attributes: LEGACY_BROADCAST, run: (ctx) => [new Variable(input(ctx, 0)[op](legacyAligned(input(ctx, 0), input(ctx, 1), ctx.attrs, ctx.opset)))] };
}

/** A bool op as arithmetic on 0/1: and is a product, or a maximum, xor an inequality. */
function logical(combine: (a: Variable, b: Variable) => Variable): OnnxOp {
  return { attributes: LEGACY_BROADCAST, run: (ctx) => [combine(input(ctx, 0), legacyAligned(input(ctx, 0), input(ctx, 1), ctx.attrs, ctx.opset)).to('bool')] };
}

/** Clip: bounds are attributes before opset 11 and optional inputs from then on. */
function clip(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  if (ctx.opset < 11) return [x.clamp(ctx.attrs.float('min', -Infinity), ctx.attrs.float('max', Infinity))];
  const [, min, max] = ctx.inputs;
  if (min === undefined && max === undefined) return [x];
  return [x.clamp(min?.variable.to(x.dtype), max?.variable.to(x.dtype))];
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;

export const elementwiseOps: OpTable = {
  Add: binaryOp('add'),
  Sub: binaryOp('sub'),
  Mul: binaryOp('mul'),
  Div: binaryOp('div'),
  Pow: binaryOp('pow'),
  Max: variadic((a, b) => a.maximum(b)),
  Min: variadic((a, b) => a.minimum(b)),
  Sum: variadic((a, b) => a.add(b)),
  Mean: variadic(
    (a, b) => a.add(b),
    (total, count) => total.div(count),
  ),
  Neg: unaryOp((x) => x.neg()),
  Abs: unaryOp((x) => x.abs()),
  Sign: unaryOp((x) => x.sign()),
  Exp: unaryOp((x) => x.exp()),
  Log: unaryOp((x) => x.log()),
  Sqrt: unaryOp((x) => x.sqrt()),
  Reciprocal: unaryOp((x) => x.pow(-1)),
  Relu: unaryOp((x) => x.relu()),
  Sigmoid: unaryOp((x) => x.sigmoid()),
  Tanh: unaryOp((x) => x.tanh()),
  Erf: unaryOp((x) => x.erf()),
  Sin: unaryOp((x) => x.sin()),
  Cos: unaryOp((x) => x.cos()),
  Softplus: unaryOp((x) => x.relu().add(x.abs().neg().exp().add(1).log())),
  Softsign: unaryOp((x) => x.div(x.abs().add(1))),
  LeakyRelu: { attributes: ['alpha', 'consumed_inputs'], run: (ctx) => [F.leakyRelu(input(ctx, 0), ctx.attrs.float('alpha', 0.01))] },
  Elu: { attributes: ['alpha', 'consumed_inputs'], run: (ctx) => [F.elu(input(ctx, 0), ctx.attrs.float('alpha', 1))] },
  Selu: {
    attributes: ['alpha', 'gamma', 'consumed_inputs'],
    run: (ctx) => [F.elu(input(ctx, 0), ctx.attrs.float('alpha', SELU_ALPHA)).mul(ctx.attrs.float('gamma', SELU_GAMMA))],
  },
  HardSigmoid: {
    attributes: ['alpha', 'beta', 'consumed_inputs'],
    run: (ctx) => [input(ctx, 0).mul(ctx.attrs.float('alpha', 0.2)).add(ctx.attrs.float('beta', 0.5)).clamp(0, 1)],
  },
  PRelu: {
    attributes: ['consumed_inputs'],
    run: (ctx) => {
      const x = input(ctx, 0);
      const slope = input(ctx, 1);
      // Before opset 7 a slope per channel is [C], aligned with dim 1 rather than the last.
      const aligned = ctx.opset < 7 && slope.ndim === 1 && x.ndim > 2 ? slope.reshape([slope.shape[0] as number, ...Array<number>(x.ndim - 2).fill(1)]) : slope;
      return [x.where(x.gt(0), x.mul(aligned))];
    },
  },
  Gelu: {
    attributes: ['approximate'],
    run: (ctx) => [F.gelu(input(ctx, 0), { approximate: ctx.attrs.string('approximate', 'none') === 'tanh' ? 'tanh' : 'none' })],
  },
  Clip: { attributes: ['min', 'max', 'consumed_inputs'], run: clip },
  Equal: comparison('eq'),
  Less: comparison('lt'),
  LessOrEqual: comparison('le'),
  Greater: comparison('gt'),
  GreaterOrEqual: comparison('ge'),
  Not: unaryOp((x) => new Variable(x.eq(0))),
  And: logical((a, b) => a.mul(b)),
  Or: logical((a, b) => a.maximum(b)),
  Xor: logical((a, b) => new Variable(a.ne(b))),
  Where: { attributes: [], run: (ctx) => [where(input(ctx, 0), input(ctx, 1), input(ctx, 2))] },
};
