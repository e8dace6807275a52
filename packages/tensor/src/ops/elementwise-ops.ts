/*
 * The elementwise ops, declared once. Each entry's key is the op's name everywhere: the `Unary`,
 * `Binary` and `Compare` kernels' `op`, the free function and the `Tensor` method of
 * @kindling/tensor, the `Variable` method and the gradient rule of @kindling/autograd. Adding an op
 * here makes the compiler ask for its cpu math (kernels/*.ts) and its gradient (autograd), and
 * gives both classes the method; a faster kernel on another backend is optional.
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
}

export const UNARY_OPS = {
  /** −x. */
  neg: { dtype: 'numeric' },
  /** eˣ. */
  exp: { dtype: 'floating' },
  /** The natural logarithm. */
  log: { dtype: 'floating' },
  /** The square root. */
  sqrt: { dtype: 'floating' },
  /** |x|. */
  abs: { dtype: 'numeric' },
  /** max(x, 0), with NaN passed through as PyTorch does. */
  relu: { dtype: 'numeric' },
  /** 1 / (1 + e⁻ˣ). */
  sigmoid: { dtype: 'floating' },
  /** The hyperbolic tangent. */
  tanh: { dtype: 'floating' },
  /** −1, 0 or 1 by the sign of x (0 for NaN and ±0); its gradient is 0. */
  sign: { dtype: 'numeric' },
  /** The sine (radians). */
  sin: { dtype: 'floating' },
  /** The cosine (radians). */
  cos: { dtype: 'floating' },
  /** The error function, 2/√π ∫₀ˣ e^(−t²) dt (exact GELU is built on it). */
  erf: { dtype: 'floating' },
  /** 1 − erf(x), accurate where it is tiny. */
  erfc: { dtype: 'floating' },
  /** 1 / √x. */
  rsqrt: { dtype: 'floating' },
  /** eˣ − 1, accurate near 0. */
  expm1: { dtype: 'floating' },
  /** ln(1 + x), accurate near 0. */
  log1p: { dtype: 'floating' },
} as const satisfies Record<string, ElementwiseOpSpec>;

export const BINARY_OPS = {
  /** a + b, broadcasting. */
  add: { dtype: 'any' },
  /** a − b, broadcasting. */
  sub: { dtype: 'any' },
  /** a · b, broadcasting. */
  mul: { dtype: 'any' },
  /** True division: integer operands give float32, as in PyTorch. */
  div: { dtype: 'floating' },
  /** aᵇ, broadcasting. */
  pow: { dtype: 'any' },
  /** The larger of a and b; NaN if either is NaN. */
  maximum: { dtype: 'any' },
  /** The smaller of a and b; NaN if either is NaN. */
  minimum: { dtype: 'any' },
} as const satisfies Record<string, ElementwiseOpSpec>;

/** Comparisons give bool tensors, which carry no gradient. */
export const COMPARE_OPS = {
  /** a == b. */
  eq: { dtype: 'any' },
  /** a != b (true where either is NaN). */
  ne: { dtype: 'any' },
  /** a < b. */
  lt: { dtype: 'any' },
  /** a <= b. */
  le: { dtype: 'any' },
  /** a > b. */
  gt: { dtype: 'any' },
  /** a >= b. */
  ge: { dtype: 'any' },
} as const satisfies Record<string, ElementwiseOpSpec>;

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
