import { math, operand, type MathExpr } from './elementwise-math.js';

/*
 * The elementwise ops, declared once. Each entry's key is the op's name everywhere: the `Unary`,
 * `Binary` and `Compare` kernels' `op`, the free function and the `Tensor` method of
 * @kindling/tensor, the `Variable` method and the gradient rule of @kindling/autograd. Adding an op
 * here makes the compiler ask for its gradient (autograd), and gives both classes the method.
 *
 * Its `math` is the element's value as a tree of primitives (elementwise-math.ts): the cpu
 * backend's JavaScript and webgpu's WGSL (alone or fused into a chain) are generated from it, so an
 * op composed of existing primitives needs no kernel code on any backend.
 *
 * The dtype rule says what the op accepts and returns:
 * - 'any': every dtype, the result in the operands' promoted dtype;
 * - 'numeric': bool is refused (convert with t.int() or t.float() first);
 * - 'floating': integer and bool operands are computed in float32, as PyTorch's true division and
 *   transcendental functions do.
 */

export type DTypeRule = 'any' | 'numeric' | 'floating';

export interface ElementwiseOpSpec {
  readonly dtype: DTypeRule;
  readonly math: (...operands: MathExpr[]) => MathExpr;
}

interface UnaryOpSpec extends ElementwiseOpSpec {
  readonly math: (x: MathExpr) => MathExpr;
}

interface BinaryOpSpec extends ElementwiseOpSpec {
  readonly math: (a: MathExpr, b: MathExpr) => MathExpr;
}

export const UNARY_OPS = {
  /** −x. */
  neg: { dtype: 'numeric', math: (x) => math.neg(x) },
  /** eˣ. */
  exp: { dtype: 'floating', math: (x) => math.exp(x) },
  /** The natural logarithm. */
  log: { dtype: 'floating', math: (x) => math.log(x) },
  /** The square root. */
  sqrt: { dtype: 'floating', math: (x) => math.sqrt(x) },
  /** |x|. */
  abs: { dtype: 'numeric', math: (x) => math.abs(x) },
  /** max(x, 0), with NaN passed through as PyTorch does. */
  relu: { dtype: 'numeric', math: (x) => math.select(math.lt(x, 0), 0, x) },
  /** 1 / (1 + e⁻ˣ). */
  sigmoid: { dtype: 'floating', math: (x) => math.div(1, math.add(1, math.exp(math.neg(x)))) },
  /** The hyperbolic tangent. */
  tanh: { dtype: 'floating', math: (x) => math.tanh(x) },
  /** −1, 0 or 1 by the sign of x (0 for NaN and ±0); its gradient is 0. */
  sign: { dtype: 'numeric', math: (x) => math.sub(math.select(math.gt(x, 0), 1, 0), math.select(math.lt(x, 0), 1, 0)) },
  /** The sine (radians). */
  sin: { dtype: 'floating', math: (x) => math.sin(x) },
  /** The cosine (radians). */
  cos: { dtype: 'floating', math: (x) => math.cos(x) },
  /** The error function, 2/√π ∫₀ˣ e^(−t²) dt (exact GELU is built on it). */
  erf: { dtype: 'floating', math: (x) => math.erf(x) },
  /** 1 − erf(x), accurate where it is tiny. */
  erfc: { dtype: 'floating', math: (x) => math.erfc(x) },
  /** 1 / √x. */
  rsqrt: { dtype: 'floating', math: (x) => math.div(1, math.sqrt(x)) },
  /** eˣ − 1, accurate near 0. */
  expm1: { dtype: 'floating', math: (x) => math.expm1(x) },
  /** ln(1 + x), accurate near 0. */
  log1p: { dtype: 'floating', math: (x) => math.log1p(x) },
} as const satisfies Record<string, UnaryOpSpec>;

export const BINARY_OPS = {
  /** a + b, broadcasting. */
  add: { dtype: 'any', math: (a, b) => math.add(a, b) },
  /** a − b, broadcasting. */
  sub: { dtype: 'any', math: (a, b) => math.sub(a, b) },
  /** a · b, broadcasting. */
  mul: { dtype: 'any', math: (a, b) => math.mul(a, b) },
  /** True division: integer operands give float32, as in PyTorch. */
  div: { dtype: 'floating', math: (a, b) => math.div(a, b) },
  /** aᵇ, broadcasting. */
  pow: { dtype: 'any', math: (a, b) => math.pow(a, b) },
  /** The larger of a and b; NaN if either is NaN. */
  maximum: { dtype: 'any', math: (a, b) => math.maximum(a, b) },
  /** The smaller of a and b; NaN if either is NaN. */
  minimum: { dtype: 'any', math: (a, b) => math.minimum(a, b) },
} as const satisfies Record<string, BinaryOpSpec>;

/** Comparisons give bool tensors, which carry no gradient. */
export const COMPARE_OPS = {
  /** a == b. */
  eq: { dtype: 'any', math: (a, b) => math.eq(a, b) },
  /** a != b (true where either is NaN). */
  ne: { dtype: 'any', math: (a, b) => math.ne(a, b) },
  /** a < b. */
  lt: { dtype: 'any', math: (a, b) => math.lt(a, b) },
  /** a <= b. */
  le: { dtype: 'any', math: (a, b) => math.le(a, b) },
  /** a > b. */
  gt: { dtype: 'any', math: (a, b) => math.gt(a, b) },
  /** a >= b. */
  ge: { dtype: 'any', math: (a, b) => math.ge(a, b) },
} as const satisfies Record<string, BinaryOpSpec>;

export type UnaryOp = keyof typeof UNARY_OPS;
export type BinaryOp = keyof typeof BINARY_OPS;
export type CompareOp = keyof typeof COMPARE_OPS;

/** The keys of a declaration table, typed (Object.keys gives string[]). */
export function opNames<T extends object>(table: T): (keyof T & string)[] {
  return Object.keys(table) as (keyof T & string)[];
}

export const UNARY_OP_NAMES = opNames(UNARY_OPS);
export const BINARY_OP_NAMES = opNames(BINARY_OPS);
export const COMPARE_OP_NAMES = opNames(COMPARE_OPS);

const trees = new Map<string, MathExpr>();

/** The element math of a declared op, as a tree over operands 0 (and 1); built once per op. */
export function elementwiseMath(kind: 'unary', op: UnaryOp): MathExpr;
export function elementwiseMath(kind: 'binary', op: BinaryOp): MathExpr;
export function elementwiseMath(kind: 'compare', op: CompareOp): MathExpr;
export function elementwiseMath(kind: 'unary' | 'binary' | 'compare', op: string): MathExpr {
  const key = `${kind}:${op}`;
  let tree = trees.get(key);
  if (!tree) {
    const table: Record<string, ElementwiseOpSpec> = kind === 'unary' ? UNARY_OPS : kind === 'binary' ? BINARY_OPS : COMPARE_OPS;
    const spec = table[op];
    if (!spec) throw new Error(`internal: no ${kind} op '${op}' is declared`);
    tree = spec.math(operand(0), operand(1));
    trees.set(key, tree);
  }
  return tree;
}

/** How a class computes each kind of declared op, given the receiver and the other operand. */
export interface ElementwiseMethodImpls<T> {
  unary(op: UnaryOp, self: T): unknown;
  binary(op: BinaryOp, self: T, other: unknown): unknown;
  compare(op: CompareOp, self: T, other: unknown): unknown;
}

/**
 * Gives `prototype` one method per declared op (`x.exp()`, `x.add(y)`, `x.eq(y)`), so that
 * `Tensor` and autograd's `Variable` both have every op the moment it is declared. Their types
 * come from mapped types over the same tables.
 */
export function defineElementwiseMethods<T>(prototype: T, impls: ElementwiseMethodImpls<T>): void {
  const define = (name: string, method: (this: T, other?: unknown) => unknown) =>
    Object.defineProperty(prototype, name, { value: method, writable: true, configurable: true });
  for (const op of UNARY_OP_NAMES) {
    define(op, function (this: T) {
      return impls.unary(op, this);
    });
  }
  for (const op of BINARY_OP_NAMES) {
    define(op, function (this: T, other?: unknown) {
      return impls.binary(op, this, other);
    });
  }
  for (const op of COMPARE_OP_NAMES) {
    define(op, function (this: T, other?: unknown) {
      return impls.compare(op, this, other);
    });
  }
}

/**
 * For `switch` statements over an op union: the `default` branch calls this, so a case left out
 * is a compile error (its value is not `never`) and, should a value arrive at run time anyway, an
 * error rather than a silent zero.
 */
export function assertNever(value: never, what: string): never {
  throw new Error(`internal: unhandled ${what} '${String(value)}'`);
}
