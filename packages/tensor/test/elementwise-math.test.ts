import { describe, expect, it } from 'vitest';
import { elementwiseLoop, type ElementDomain } from '../src/backends/cpu/elementwise-codegen.js';
import { BINARY_OP_NAMES, BINARY_OPS, COMPARE_OP_NAMES, elementwiseMath, UNARY_OP_NAMES, UNARY_OPS } from '../src/ops/elementwise-ops.js';
import { math, operand, primitivesOf, render, VALUE_PRIMITIVES, COMPARISON_PRIMITIVES, type MathExpr } from '../src/ops/elementwise-math.js';
import { tensor } from '../src/index.js';

// Special values and ordinary ones: every op's loop meets NaN, ±∞, ±0 and both signs.
const FLOATS = Float64Array.of(NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, 2.5, -3, 1e-8, 40, -40, 700);
const INTS = Int32Array.of(0, 1, -1, 2, -3, 7, 2147483647, -2147483648, 46341, 3);

function run(tree: MathExpr, arity: number, domain: ElementDomain, inputs: ArrayLike<number>[], compile: boolean, boolOut = false): number[] {
  const n = inputs[0]?.length ?? 0;
  const typed = inputs.map((values) => (domain === 'float' ? Float64Array.from(values) : Int32Array.from(values)));
  const out = boolOut ? new Uint8Array(n) : domain === 'float' ? new Float64Array(n) : new Int32Array(n);
  elementwiseLoop(tree, arity, domain, boolOut, `test ${render(tree, DESCRIBE)} ${compile}`, compile)(typed, out, n);
  return [...out];
}

const DESCRIBE = {
  operand: (index: number) => `x${index}`,
  constant: (value: number) => String(value),
  apply: (primitive: string, args: readonly string[]) => `${primitive}(${args.join(',')})`,
  select: (c: string, t: string, f: string) => `(${c}?${t}:${f})`,
};

/** Every pair of values, as two operand arrays. */
function pairs(values: ArrayLike<number>): [number[], number[]] {
  const a: number[] = [];
  const b: number[] = [];
  for (const x of Array.from(values)) {
    for (const y of Array.from(values)) {
      a.push(x);
      b.push(y);
    }
  }
  return [a, b];
}

describe('the declared elementwise math', () => {
  it('builds each op from the primitives only', () => {
    const known = new Set<string>([...VALUE_PRIMITIVES, ...COMPARISON_PRIMITIVES]);
    for (const op of UNARY_OP_NAMES) for (const p of primitivesOf(elementwiseMath('unary', op))) expect(known.has(p)).toBe(true);
    for (const op of BINARY_OP_NAMES) for (const p of primitivesOf(elementwiseMath('binary', op))) expect(known.has(p)).toBe(true);
    expect(render(elementwiseMath('unary', 'sigmoid'), DESCRIBE)).toBe('div(1,add(1,exp(neg(x0))))');
    expect(render(elementwiseMath('unary', 'relu'), DESCRIBE)).toBe('(lt(x0,0)?0:x0)');
  });

  it('compiles to the loop its closures compute, bit for bit, for every unary op', () => {
    for (const op of UNARY_OP_NAMES) {
      const tree = elementwiseMath('unary', op);
      expect(run(tree, 1, 'float', [FLOATS], true), op).toEqual(run(tree, 1, 'float', [FLOATS], false));
      if (UNARY_OPS[op].dtype !== 'floating') expect(run(tree, 1, 'int', [INTS], true), op).toEqual(run(tree, 1, 'int', [INTS], false));
    }
  });

  it('compiles to the loop its closures compute for every binary op and comparison', () => {
    const floats = pairs(FLOATS);
    const ints = pairs(INTS);
    for (const op of BINARY_OP_NAMES) {
      const tree = elementwiseMath('binary', op);
      expect(run(tree, 2, 'float', floats, true), op).toEqual(run(tree, 2, 'float', floats, false));
      if (BINARY_OPS[op].dtype !== 'floating') expect(run(tree, 2, 'int', ints, true), op).toEqual(run(tree, 2, 'int', ints, false));
    }
    for (const op of COMPARE_OP_NAMES) {
      const tree = elementwiseMath('compare', op);
      expect(run(tree, 2, 'float', floats, true, true), op).toEqual(run(tree, 2, 'float', floats, false, true));
    }
  });

  it('gives the special values the declarations promise', () => {
    const at = (op: 'relu' | 'sign' | 'sigmoid' | 'rsqrt', values: number[]) => run(elementwiseMath('unary', op), 1, 'float', [values], true);
    expect(at('relu', [NaN, -0, -2, 3])).toEqual([NaN, -0, 0, 3]);
    expect(at('sign', [NaN, -0, -2, 3])).toEqual([0, 0, -1, 1]);
    expect(at('sigmoid', [NaN, -Infinity, Infinity, -800])).toEqual([NaN, 0, 1, 0]);
    expect(at('rsqrt', [0, Infinity, -1, 4])).toEqual([Infinity, 0, NaN, 0.5]);
    const lt = elementwiseMath('compare', 'lt');
    expect(run(lt, 2, 'float', [[NaN, 1, 1], [1, NaN, 2]], true, true)).toEqual([0, 0, 1]);
    expect(run(elementwiseMath('compare', 'ne'), 2, 'float', [[NaN, 1], [NaN, 1]], true, true)).toEqual([1, 0]);
  });

  it('wraps int32 arithmetic at every step, as int32 stores do', () => {
    const mul = elementwiseMath('binary', 'mul');
    expect(run(mul, 2, 'int', [[46341, 65536], [46341, 65536]], true)).toEqual([Math.imul(46341, 46341), 0]);
    const wrapped = math.mul(math.add(operand(0), 1), 2);
    expect(run(wrapped, 1, 'int', [[2147483647]], true)).toEqual([0]);
    expect(run(wrapped, 1, 'int', [[2147483647]], false)).toEqual([0]);
  });

  it('refuses a primitive the domain does not define, naming it', () => {
    expect(() => run(math.exp(operand(0)), 1, 'int', [[1]], true)).toThrow(/uses 'exp', which is not defined for int32 or bool tensors/);
  });

  it('computes a new composite from its tree alone: exact GELU, 0.5·x·(1 + erf(x/√2))', () => {
    const x = operand(0);
    const gelu = math.mul(math.mul(0.5, x), math.add(1, math.erf(math.div(x, Math.SQRT2))));
    const values = [-3, -1, -0.25, 0, 0.5, 2];
    const fromOps = tensor(values).mul(0.5).mul(tensor(values).div(Math.SQRT2).erf().add(1)).arraySync() as number[];
    const generated = run(gelu, 1, 'float', [values], true);
    generated.forEach((value, i) => expect(value).toBeCloseTo(fromOps[i] as number, 6));
  });
});
