import { elementwiseMath, isBoolValued, render, type BinaryOp, type CompareOp, type DType, type MathDialect, type MathExpr, type Primitive, type UnaryOp, type View } from '@kindling/tensor';
import { ElementwiseProgram, isRowMajor, type ElementwiseBody } from './elementwise.js';
import { PRIMITIVE_HELPERS } from './math-primitives.js';

/*
 * The Unary, Binary and Compare programs, generated from each op's declared math (@kindling/tensor's
 * elementwise-ops.ts): the tree is rendered as one WGSL expression of the operands `v0, v1`, each
 * primitive a builtin or a helper of math-primitives.ts, so these programs and the chains that fuse
 * them (fused-elementwise.ts) compute what the declaration says and nothing kept by hand.
 *
 * float32 computes in f32; int32 in i32, which wraps as the cpu backend's stores do; bool operands
 * compute as i32 and are stored as `!= 0`, as on the cpu.
 */

type Renderer = (...args: string[]) => string;

const infix =
  (symbol: string): Renderer =>
  (a, b) =>
    `(${a} ${symbol} ${b})`;
const call =
  (name: string): Renderer =>
  (...args) =>
    `${name}(${args.join(', ')})`;

const FLOAT: Partial<Record<Primitive, Renderer>> = {
  neg: (a) => `(-${a})`,
  abs: call('abs'),
  exp: call('k_exp'),
  log: call('k_log'),
  sqrt: call('k_sqrt'),
  tanh: call('k_tanh'),
  sin: call('k_sin'),
  cos: call('k_cos'),
  erf: call('k_erf'),
  erfc: call('k_erfc'),
  expm1: call('k_expm1'),
  log1p: call('k_log1p'),
  add: infix('+'),
  sub: infix('-'),
  mul: infix('*'),
  div: infix('/'),
  pow: call('k_pow'),
  maximum: call('k_max'),
  minimum: call('k_min'),
  eq: call('k_eq'),
  ne: call('k_ne'),
  lt: call('k_lt'),
  le: call('k_le'),
  gt: call('k_gt'),
  ge: call('k_ge'),
};

const INT: Partial<Record<Primitive, Renderer>> = {
  neg: (a) => `(-${a})`,
  abs: call('abs'),
  add: infix('+'),
  sub: infix('-'),
  mul: infix('*'),
  div: call('k_idiv'),
  pow: call('k_ipow'),
  maximum: call('max'),
  minimum: call('min'),
  eq: infix('=='),
  ne: infix('!='),
  lt: infix('<'),
  le: infix('<='),
  gt: infix('>'),
  ge: infix('>='),
};

function dialect(dtype: DType, what: string): MathDialect {
  const float = dtype === 'float32';
  return {
    operand: (index) => (dtype === 'bool' ? `i32(v${index})` : `v${index}`),
    constant: (value) => `${float ? 'f32' : 'i32'}(${value})`,
    apply: (primitive, args) => {
      const renderer = (float ? FLOAT : INT)[primitive];
      if (!renderer) throw new TypeError(`webgpu: ${what} uses '${primitive}', which is not defined for ${dtype} tensors`);
      return renderer(...args);
    },
    select: (condition, ifTrue, ifFalse) => `select(${ifFalse}, ${ifTrue}, ${condition})`,
  };
}

/** Each tree's rendered bodies, by operand and output dtype: rendered once, not on every op call. */
const bodies = new WeakMap<MathExpr, Map<string, ElementwiseBody>>();

/** The WGSL body of `tree` over operands of `dtype`, stored as `outDType`. */
export function declaredBody(tree: MathExpr, dtype: DType, outDType: DType, what: string): ElementwiseBody {
  let byDType = bodies.get(tree);
  if (!byDType) bodies.set(tree, (byDType = new Map()));
  const key = `${dtype}>${outDType}`;
  let body = byDType.get(key);
  if (!body) {
    const value = render(tree, dialect(dtype, what));
    const expression = isBoolValued(tree) ? `select(0u, 1u, ${value})` : outDType === 'bool' ? `select(0u, 1u, ${value} != 0)` : value;
    body = { expression, helpers: PRIMITIVE_HELPERS };
    byDType.set(key, body);
  }
  return body;
}

function declaredProgram(family: string, tree: MathExpr, views: readonly View[], dtype: DType, outDType: DType, what: string): ElementwiseProgram {
  const operands = views.map((v) => ({ dtype, contiguous: isRowMajor(v) }));
  return new ElementwiseProgram(family, operands, outDType, (views[0] as View).shape.length, declaredBody(tree, dtype, outDType, what));
}

/** Unary `op` on a float32 (or, for the ops the op layer lets through, int32) view. */
export function unaryProgram(op: UnaryOp, x: View): ElementwiseProgram {
  return declaredProgram(`unary:${op}`, elementwiseMath('unary', op), [x], x.dtype, x.dtype, `unary '${op}'`);
}

/** Elementwise `op` on two views of one dtype and the output's shape. */
export function binaryProgram(op: BinaryOp, a: View, b: View, dtype: DType): ElementwiseProgram {
  return declaredProgram(`binary:${op}`, elementwiseMath('binary', op), [a, b], dtype, dtype, `binary '${op}'`);
}

/** A comparison written to bool (u32 0/1); any comparison with NaN is false, except `ne`. */
export function compareProgram(op: CompareOp, a: View, b: View, dtype: DType): ElementwiseProgram {
  return declaredProgram(`compare:${op}`, elementwiseMath('compare', op), [a, b], dtype, 'bool', `compare '${op}'`);
}
