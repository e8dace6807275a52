import { where, zerosLike, type BinaryOp, type DType, type Tensor, type UnaryOp } from '@kindling/tensor';
import { gradsFor, SAVES_INPUT, SAVES_INPUTS, SAVES_NOTHING, SAVES_OUTPUT, type GradientTableFor, type NoAttrs, type TwoInputs } from './rule.js';

/** Bounds of `clamp` when they are constants (a Variable bound is differentiated through maximum/minimum). */
export interface ClampAttrs {
  readonly min: number | Tensor | null;
  readonly max: number | Tensor | null;
}

/**
 * Every declared unary and binary op of @kindling/tensor (elementwise-ops.ts) needs a rule here: a
 * declared op without one does not compile.
 */
export type ElementwiseAttrs = { readonly [K in UnaryOp | BinaryOp]: NoAttrs } & {
  readonly clamp: ClampAttrs;
  /** `where(condition, a, b)`: the condition is a bool constant. */
  readonly where: { readonly condition: Tensor };
  /** A cast or a device copy: the gradient goes back to the input's dtype and device. */
  readonly to: { readonly dtype: DType; readonly device: string };
};

/** The ops with two operands; the rest take one. */
export type ElementwiseInputs = { readonly [K in BinaryOp]: TwoInputs } & { readonly where: TwoInputs };

/**
 * The gradient of maximum (`pick` = gt) or minimum (`pick` = lt) for one side. Ties split the
 * gradient half and half as PyTorch does, so that maximum(x, x) still has gradient 1 for x.
 */
function extremumGrad(g: Tensor, mine: Tensor, other: Tensor, pick: 'gt' | 'lt'): Tensor {
  const half = g.mul(0.5).where(mine.eq(other), 0);
  return g.where(pick === 'gt' ? mine.gt(other) : mine.lt(other), half);
}

/** d erf(x)/dx = 2/√π · e^(−x²). */
function erfDerivative(x: Tensor): Tensor {
  return x.mul(x).neg().exp().mul(2 / Math.sqrt(Math.PI));
}

export const elementwiseGradients: GradientTableFor<ElementwiseAttrs, ElementwiseInputs> = {
  add: { kernel: 'Binary', saves: SAVES_NOTHING, backward: (g, ctx) => gradsFor(ctx, () => g, () => g) },
  sub: { kernel: 'Binary', saves: SAVES_NOTHING, backward: (g, ctx) => gradsFor(ctx, () => g, () => g.neg()) },
  mul: {
    kernel: 'Binary',
    saves: SAVES_INPUTS,
    backward: (g, ctx) => {
      const [a, b] = ctx.inputs;
      return gradsFor(ctx, () => g.mul(b), () => g.mul(a));
    },
  },
  div: {
    kernel: 'Binary',
    saves: { inputs: [1], output: true },
    backward: (g, ctx) => {
      const [, b] = ctx.inputs;
      // d(a/b)/db = -a/b² = -out/b, which reuses the output instead of squaring b.
      return gradsFor(ctx, () => g.div(b), () => g.mul(ctx.output).div(b).neg());
    },
  },
  pow: {
    kernel: 'Binary',
    backward: (g, ctx) => {
      const [a, b] = ctx.inputs;
      // The log(a) term is only built when the exponent needs a gradient: for a constant exponent
      // a may be negative or zero, where log(a) is NaN or -inf.
      return gradsFor(ctx, () => g.mul(b).mul(a.pow(b.sub(1))), () => g.mul(ctx.output).mul(a.log()));
    },
  },
  maximum: {
    kernel: 'Binary',
    saves: SAVES_INPUTS,
    backward: (g, ctx) => {
      const [a, b] = ctx.inputs;
      return gradsFor(ctx, () => extremumGrad(g, a, b, 'gt'), () => extremumGrad(g, b, a, 'gt'));
    },
  },
  minimum: {
    kernel: 'Binary',
    saves: SAVES_INPUTS,
    backward: (g, ctx) => {
      const [a, b] = ctx.inputs;
      return gradsFor(ctx, () => extremumGrad(g, a, b, 'lt'), () => extremumGrad(g, b, a, 'lt'));
    },
  },
  neg: { kernel: 'Unary', saves: SAVES_NOTHING, backward: (g) => [g.neg()] },
  exp: { kernel: 'Unary', saves: SAVES_OUTPUT, backward: (g, ctx) => [g.mul(ctx.output)] },
  log: { kernel: 'Unary', saves: SAVES_INPUT, backward: (g, ctx) => [g.div(ctx.inputs[0])] },
  sqrt: { kernel: 'Unary', saves: SAVES_OUTPUT, backward: (g, ctx) => [g.div(ctx.output.mul(2))] },
  // sign(0) = 0 gives abs the subgradient 0 at 0, as PyTorch.
  abs: { kernel: 'Unary', saves: SAVES_INPUT, backward: (g, ctx) => [g.mul(ctx.inputs[0].sign())] },
  // A where rather than a multiply by (x > 0): the gradient at 0 is 0, and an infinite g stays out of
  // the masked lanes. The output is positive exactly where the input is, and the next op often saves it anyway.
  relu: { kernel: 'Unary', saves: SAVES_OUTPUT, backward: (g, ctx) => [g.where(ctx.output.gt(0), 0)] },
  sigmoid: { kernel: 'Unary', saves: SAVES_OUTPUT, backward: (g, ctx) => [g.mul(ctx.output.mul(ctx.output.neg().add(1)))] },
  // sign is piecewise constant: its gradient is 0 everywhere, as PyTorch's.
  sign: { kernel: 'Unary', saves: SAVES_NOTHING, backward: (g) => [zerosLike(g)] },
  tanh: { kernel: 'Unary', saves: SAVES_OUTPUT, backward: (g, ctx) => [g.mul(ctx.output.mul(ctx.output).neg().add(1))] },
  sin: { kernel: 'Unary', saves: SAVES_INPUT, backward: (g, ctx) => [g.mul(ctx.inputs[0].cos())] },
  cos: { kernel: 'Unary', saves: SAVES_INPUT, backward: (g, ctx) => [g.mul(ctx.inputs[0].sin()).neg()] },
  erf: { kernel: 'Unary', saves: SAVES_INPUT, backward: (g, ctx) => [g.mul(erfDerivative(ctx.inputs[0]))] },
  erfc: { kernel: 'Unary', saves: SAVES_INPUT, backward: (g, ctx) => [g.mul(erfDerivative(ctx.inputs[0])).neg()] },
  // d(x^-1/2)/dx = -x^-3/2 / 2 = -out³ / 2.
  rsqrt: { kernel: 'Unary', saves: SAVES_OUTPUT, backward: (g, ctx) => [g.mul(ctx.output.mul(ctx.output).mul(ctx.output)).mul(-0.5)] },
  expm1: { kernel: 'Unary', saves: SAVES_OUTPUT, backward: (g, ctx) => [g.mul(ctx.output.add(1))] },
  log1p: { kernel: 'Unary', saves: SAVES_INPUT, backward: (g, ctx) => [g.div(ctx.inputs[0].add(1))] },
  clamp: {
    kernel: 'Binary',
    saves: SAVES_INPUT,
    backward: (g, ctx) => {
      const [x] = ctx.inputs;
      const { min, max } = ctx.attrs;
      // The gradient passes where min <= x <= max, bounds included, as PyTorch's clamp.
      const aboveMin = min === null ? g : g.where(x.ge(min), 0);
      return [max === null ? aboveMin : aboveMin.where(x.le(max), 0)];
    },
  },
  where: {
    kernel: 'Where',
    saves: SAVES_NOTHING,
    backward: (g, ctx) => {
      const { condition } = ctx.attrs;
      return gradsFor(ctx, () => g.where(condition, 0), () => where(condition, 0, g));
    },
  },
  to: { kernel: 'Cast', saves: SAVES_NOTHING, backward: (g, ctx) => [g.to(ctx.attrs.dtype).to(ctx.attrs.device)] },
};
