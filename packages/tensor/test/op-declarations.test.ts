import { describe, expect, expectTypeOf, it } from 'vitest';
import * as api from '../src/index.js';
import { assertNever, BINARY_OP_NAMES, COMPARE_OP_NAMES, tensor, UNARY_OP_NAMES, type BinaryOp, type CompareOp, type Tensor, type UnaryOp } from '../src/index.js';

/*
 * An op is declared once (ops/elementwise-ops.ts); these checks make the compiler and the tests
 * name every place a new declaration still needs.
 */

describe('elementwise op declarations', () => {
  it('export a free function and a Tensor method for every declared op', () => {
    // Type level: the package's exports include one function per declared op name.
    expectTypeOf(api).toMatchTypeOf<Record<UnaryOp | BinaryOp | CompareOp, (...args: never[]) => Tensor>>();
    const x = tensor([1, -2]);
    for (const op of UNARY_OP_NAMES) expect(x[op]()).toBeInstanceOf(api.Tensor);
    for (const op of [...BINARY_OP_NAMES, ...COMPARE_OP_NAMES]) {
      expect(typeof api[op]).toBe('function');
      expect(x[op](2)).toBeInstanceOf(api.Tensor);
    }
  });

  it('make a switch that misses an op a compile error and a loud run-time error', () => {
    function describeOp(op: UnaryOp): string {
      switch (op) {
        case 'neg':
        case 'abs':
        case 'relu':
        case 'sign':
          return 'keeps integers';
        case 'exp':
        case 'log':
        case 'sqrt':
        case 'sigmoid':
          return 'floating';
        default:
          // 'tanh' has no case above, so `op` is not `never` here.
          // @ts-expect-error -- a switch that misses an op does not compile
          return assertNever(op, 'unary op');
      }
    }
    expect(describeOp('neg')).toBe('keeps integers');
    expect(() => describeOp('tanh')).toThrow("internal: unhandled unary op 'tanh'");
  });
});

describe('operands', () => {
  it('refuse a value that is not a Tensor, a number or a boolean, naming its type', () => {
    const x = tensor([1, 2]);
    class Weights {}
    expect(() => x.add(new Weights() as never)).toThrow(TypeError);
    expect(() => x.add(new Weights() as never)).toThrow(/add: expected a Tensor, a number or a boolean operand, got a Weights/);
    expect(() => x.mul('3' as never)).toThrow(/mul: expected a Tensor, a number or a boolean operand, got a string/);
    expect(() => x.gt([1, 2] as never)).toThrow(/gt: .* got an array/);
    expect(() => api.where(x.gt(1), x, {} as never)).toThrow(/where: .* got an object/);
  });
});
