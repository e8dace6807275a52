import type { TypedArray } from '../../dtype.js';
import { isBoolValued, isComparison, primitivesOf, render, type MathDialect, type MathExpr, type Primitive } from '../../ops/elementwise-math.js';
import { erf, erfc } from './kernels/special-functions.js';

/*
 * The cpu backend's elementwise kernels, generated from the declared math (ops/elementwise-math.ts):
 * one JavaScript loop per op and domain, compiled once, as tight as a loop written by hand. Float
 * ops compute in float64 and round once, when stored; int32 ops wrap at every step, as int32
 * arithmetic does; bool operands compute as int32 and are stored as `!= 0`.
 *
 * Each primitive is one JavaScript function; the generated loop calls them (V8 inlines such small
 * functions), and where the page forbids compiling code (a Content-Security-Policy without
 * 'unsafe-eval') the same functions are composed as closures instead: slower, the same numbers.
 */

/** How values are computed: float (float32, float64) or int (int32 and bool). */
export type ElementDomain = 'float' | 'int';

/** `base ** exponent` with int32 wraparound, by repeated squaring (Math.pow loses bits past 2^53). */
export function intPow(base: number, exponent: number): number {
  if (exponent < 0) {
    // What truncating Math.pow gives: only ±1 survive a negative power.
    if (base === 1) return 1;
    if (base === -1) return exponent % 2 === 0 ? 1 : -1;
    return 0;
  }
  let result = 1;
  let square = base | 0;
  for (let e = exponent; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) result = Math.imul(result, square);
    square = Math.imul(square, square);
  }
  return result;
}

type PrimitiveFunction = (...args: number[]) => number | boolean;

const COMPARISONS: Record<'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', PrimitiveFunction> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => (a as number) < (b as number),
  le: (a, b) => (a as number) <= (b as number),
  gt: (a, b) => (a as number) > (b as number),
  ge: (a, b) => (a as number) >= (b as number),
};

/** Float primitives in float64: JavaScript's Math gives the special values the declarations promise. */
const FLOAT: Partial<Record<Primitive, PrimitiveFunction>> = {
  ...COMPARISONS,
  neg: (a) => -(a as number),
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  tanh: Math.tanh,
  sin: Math.sin,
  cos: Math.cos,
  erf,
  erfc,
  expm1: Math.expm1,
  log1p: Math.log1p,
  add: (a, b) => (a as number) + (b as number),
  sub: (a, b) => (a as number) - (b as number),
  mul: (a, b) => (a as number) * (b as number),
  div: (a, b) => (a as number) / (b as number),
  pow: Math.pow,
  maximum: Math.max,
  minimum: Math.min,
};

/** int32 arithmetic wraps at every step; a product of two int32s can pass 2^53 in float64, hence imul. */
const INT: Partial<Record<Primitive, PrimitiveFunction>> = {
  ...COMPARISONS,
  neg: (a) => -(a as number) | 0,
  abs: (a) => Math.abs(a as number) | 0,
  add: (a, b) => ((a as number) + (b as number)) | 0,
  sub: (a, b) => ((a as number) - (b as number)) | 0,
  mul: Math.imul,
  pow: intPow,
  maximum: Math.max,
  minimum: Math.min,
};

const PRIMITIVES: Record<ElementDomain, Partial<Record<Primitive, PrimitiveFunction>>> = { float: FLOAT, int: INT };

function primitive(domain: ElementDomain, name: Primitive, what: string): PrimitiveFunction {
  const fn = PRIMITIVES[domain][name];
  if (!fn) throw new TypeError(`cpu: ${what} uses '${name}', which is not defined for ${domain === 'int' ? 'int32 or bool' : 'float'} tensors`);
  return fn;
}

/** Float arithmetic written as JavaScript's own operators, so that a cold loop makes no call per element. */
const FLOAT_OPERATORS: Partial<Record<Primitive, string>> = { add: '+', sub: '-', mul: '*', div: '/', eq: '===', ne: '!==', lt: '<', le: '<=', gt: '>', ge: '>=' };

/** The tree as calls of the primitives, which the generated loop receives as arguments (and V8 inlines). */
function calls(domain: ElementDomain): MathDialect {
  return {
    operand: (index) => `v${index}`,
    constant: (value) => (Object.is(value, -0) ? '-0' : String(value)),
    apply: (name, args) => {
      const operator = domain === 'float' || isComparison(name) ? FLOAT_OPERATORS[name] : undefined;
      return operator ? `(${args[0]} ${operator} ${args[1]})` : `${name}(${args.join(', ')})`;
    },
    select: (condition, ifTrue, ifFalse) => `(${condition} ? ${ifTrue} : ${ifFalse})`,
  };
}

/** Writes `n` elements of `out` from `inputs` (row-major, one per operand). */
export type ElementwiseLoop = (inputs: readonly TypedArray[], out: TypedArray, n: number) => void;

/** How an element is stored: a comparison's bool as 1 or 0, a value as itself or, into a bool tensor, as `!= 0`. */
type StoreRule = 'bool' | 'nonzero' | 'value';

function storeRule(tree: MathExpr, boolOut: boolean): StoreRule {
  if (isBoolValued(tree)) return 'bool';
  return boolOut ? 'nonzero' : 'value';
}

/** The stored form of the element `value`, as source text for the compiled loop. */
function storedSource(value: string, rule: StoreRule): string {
  if (rule === 'bool') return `${value} ? 1 : 0`;
  return rule === 'nonzero' ? `${value} !== 0 ? 1 : 0` : value;
}

/** The stored form of an element, as a function for the interpreted loop. */
function storer(rule: StoreRule): (value: number | boolean) => number {
  if (rule === 'bool') return (value) => (value ? 1 : 0);
  return rule === 'nonzero' ? (value) => (value !== 0 ? 1 : 0) : (value) => value as number;
}

function compileLoop(tree: MathExpr, arity: number, domain: ElementDomain, boolOut: boolean, what: string): ElementwiseLoop {
  const names = [...primitivesOf(tree)];
  const functions = names.map((name) => primitive(domain, name, what));
  const operands = Array.from({ length: arity }, (_, k) => k);
  const source = [
    'return function elementwise(inputs, out, n) {',
    ...operands.map((k) => `  const x${k} = inputs[${k}];`),
    '  for (let i = 0; i < n; i++) {',
    ...operands.map((k) => `    const v${k} = x${k}[i];`),
    `    out[i] = ${storedSource(render(tree, calls(domain)), storeRule(tree, boolOut))};`,
    '  }',
    '};',
  ].join('\n');
  return new Function(...names, source)(...functions) as ElementwiseLoop;
}

type Evaluate = (values: readonly number[]) => number | boolean;

/** The tree as closures over the same primitives: the fallback where code cannot be compiled. */
function closures(tree: MathExpr, domain: ElementDomain, what: string): Evaluate {
  switch (tree.kind) {
    case 'operand':
      return (values) => values[tree.index] as number;
    case 'constant':
      return () => tree.value;
    case 'select': {
      const [condition, ifTrue, ifFalse] = [tree.condition, tree.ifTrue, tree.ifFalse].map((child) => closures(child, domain, what)) as [Evaluate, Evaluate, Evaluate];
      return (values) => (condition(values) ? ifTrue(values) : ifFalse(values));
    }
    case 'apply': {
      const fn = primitive(domain, tree.primitive, what);
      const args = tree.args.map((arg) => closures(arg, domain, what));
      return (values) => fn(...args.map((arg) => arg(values) as number));
    }
  }
}

function interpretedLoop(tree: MathExpr, domain: ElementDomain, boolOut: boolean, what: string): ElementwiseLoop {
  const evaluate = closures(tree, domain, what);
  const store = storer(storeRule(tree, boolOut));
  return (inputs, out, n) => {
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < inputs.length; k++) values[k] = (inputs[k] as TypedArray)[i] as number;
      out[i] = store(evaluate(values));
    }
  };
}

/** Whether the host may compile code; known after the first try. */
let compiling: boolean | undefined;
/** Each tree's loops, by domain, output and whether compiled: the trees are built once per op. */
const loops = new WeakMap<MathExpr, Map<string, ElementwiseLoop>>();

/**
 * The loop computing `tree` over `arity` operands in `domain`, compiled on first use; `boolOut`
 * stores its values as bool, `what` names the op in errors ("unary 'exp'").
 * `compile: false` gives the closures the loop falls back to where code cannot be compiled.
 */
export function elementwiseLoop(tree: MathExpr, arity: number, domain: ElementDomain, boolOut: boolean, what: string, compile = true): ElementwiseLoop {
  let byKind = loops.get(tree);
  if (!byKind) loops.set(tree, (byKind = new Map()));
  const key = `${domain}|${boolOut}|${compile}`;
  let loop = byKind.get(key);
  if (!loop) {
    if (compile && compiling !== false) {
      try {
        loop = compileLoop(tree, arity, domain, boolOut, what);
        compiling = true;
      } catch (error) {
        if (!(error instanceof EvalError)) throw error;
        compiling = false;
      }
    }
    loop ??= interpretedLoop(tree, domain, boolOut, what);
    byKind.set(key, loop);
  }
  return loop;
}
