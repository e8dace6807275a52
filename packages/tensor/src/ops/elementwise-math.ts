/*
 * The math of the elementwise ops as a small expression IR. Each declared op (elementwise-ops.ts)
 * states its element's value once, as a tree over its operands, constants and a closed set of
 * primitives; each backend renders the tree into its own kernel language (JavaScript for the cpu
 * backend, WGSL for webgpu) from one table of primitives, so a new op built from primitives needs
 * no backend code at all, and a backend's kernels cannot drift from the declaration.
 *
 * A primitive is something a backend must implement with care: special values (NaN, ±∞, −0) as
 * IEEE and JavaScript's Math give them, and accuracy where a language's builtin is loose (WGSL's
 * log of a negative number). Composite ops (sigmoid, relu, sign, rsqrt) are trees, not primitives.
 */

/** Arithmetic and transcendental primitives: a value of the op's computation dtype. */
export const VALUE_PRIMITIVES = [
  'neg',
  'abs',
  'exp',
  'log',
  'sqrt',
  'tanh',
  'sin',
  'cos',
  'erf',
  'erfc',
  'expm1',
  'log1p',
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
] as const;

/** Comparisons: a bool, false wherever an operand is NaN except for `ne`. */
export const COMPARISON_PRIMITIVES = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;

export type ValuePrimitive = (typeof VALUE_PRIMITIVES)[number];
export type ComparisonPrimitive = (typeof COMPARISON_PRIMITIVES)[number];
export type Primitive = ValuePrimitive | ComparisonPrimitive;

export type MathExpr =
  | { readonly kind: 'operand'; readonly index: number }
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'apply'; readonly primitive: Primitive; readonly args: readonly MathExpr[] }
  | { readonly kind: 'select'; readonly condition: MathExpr; readonly ifTrue: MathExpr; readonly ifFalse: MathExpr };

/** An operand of a builder: a subtree, or a number (a constant of the op's computation dtype). */
export type MathTerm = MathExpr | number;

const term = (t: MathTerm): MathExpr => (typeof t === 'number' ? { kind: 'constant', value: t } : t);
const apply =
  (primitive: Primitive) =>
  (...args: MathTerm[]): MathExpr => ({ kind: 'apply', primitive, args: args.map(term) });
const unaryPrimitive = (primitive: Primitive): ((x: MathTerm) => MathExpr) => apply(primitive);
const binaryPrimitive = (primitive: Primitive): ((a: MathTerm, b: MathTerm) => MathExpr) => apply(primitive);

/** The builders the declarations write their math with. */
export const math = {
  neg: unaryPrimitive('neg'),
  abs: unaryPrimitive('abs'),
  exp: unaryPrimitive('exp'),
  log: unaryPrimitive('log'),
  sqrt: unaryPrimitive('sqrt'),
  tanh: unaryPrimitive('tanh'),
  sin: unaryPrimitive('sin'),
  cos: unaryPrimitive('cos'),
  erf: unaryPrimitive('erf'),
  erfc: unaryPrimitive('erfc'),
  expm1: unaryPrimitive('expm1'),
  log1p: unaryPrimitive('log1p'),
  add: binaryPrimitive('add'),
  sub: binaryPrimitive('sub'),
  mul: binaryPrimitive('mul'),
  div: binaryPrimitive('div'),
  pow: binaryPrimitive('pow'),
  maximum: binaryPrimitive('maximum'),
  minimum: binaryPrimitive('minimum'),
  eq: binaryPrimitive('eq'),
  ne: binaryPrimitive('ne'),
  lt: binaryPrimitive('lt'),
  le: binaryPrimitive('le'),
  gt: binaryPrimitive('gt'),
  ge: binaryPrimitive('ge'),
  /** `condition ? ifTrue : ifFalse`; both branches are values of the op's computation dtype. */
  select: (condition: MathExpr, ifTrue: MathTerm, ifFalse: MathTerm): MathExpr => ({ kind: 'select', condition, ifTrue: term(ifTrue), ifFalse: term(ifFalse) }),
};

/** Operand `index` of an op's math. */
export function operand(index: number): MathExpr {
  return { kind: 'operand', index };
}

export function isComparison(primitive: Primitive): primitive is ComparisonPrimitive {
  return (COMPARISON_PRIMITIVES as readonly string[]).includes(primitive);
}

/** Whether `expr` gives a bool (a comparison) rather than a value of the computation dtype. */
export function isBoolValued(expr: MathExpr): boolean {
  return expr.kind === 'apply' && isComparison(expr.primitive);
}

/**
 * How a backend writes each node of a tree in its language: `render` turns a tree into one
 * expression in which each operand string appears once, so that nothing is computed twice.
 */
export interface MathDialect {
  operand(index: number): string;
  constant(value: number): string;
  apply(primitive: Primitive, args: readonly string[]): string;
  select(condition: string, ifTrue: string, ifFalse: string): string;
}

export function render(expr: MathExpr, dialect: MathDialect): string {
  switch (expr.kind) {
    case 'operand':
      return dialect.operand(expr.index);
    case 'constant':
      return dialect.constant(expr.value);
    case 'apply':
      return dialect.apply(
        expr.primitive,
        expr.args.map((arg) => render(arg, dialect)),
      );
    case 'select':
      return dialect.select(render(expr.condition, dialect), render(expr.ifTrue, dialect), render(expr.ifFalse, dialect));
  }
}

/** The primitives a tree uses, for a backend to check it implements them all. */
export function primitivesOf(expr: MathExpr, into = new Set<Primitive>()): Set<Primitive> {
  if (expr.kind === 'apply') {
    into.add(expr.primitive);
    for (const arg of expr.args) primitivesOf(arg, into);
  } else if (expr.kind === 'select') {
    for (const child of [expr.condition, expr.ifTrue, expr.ifFalse]) primitivesOf(child, into);
  }
  return into;
}
