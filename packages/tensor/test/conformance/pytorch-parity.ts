import { beforeAll, describe, expect, it } from 'vitest';
import {
  einsum,
  add,
  arange,
  cat,
  div,
  eq,
  eye,
  ge,
  getBackend,
  gt,
  isTensor,
  le,
  linspace,
  lt,
  matmul,
  maximum,
  minimum,
  mul,
  ne,
  oneHot,
  pow,
  stack,
  sub,
  tensor,
  where,
  type DType,
  type Tensor,
  type TensorOrScalar,
  type ValuesAndIndices,
} from '../../src/index.js';
import opsFixture from '../fixtures/ops.json' with { type: 'json' };
import { useBackend } from './harness.js';

/*
 * Kindling's ops against PyTorch's results, read from fixtures that
 * scripts/fixtures/generate_tensor_fixtures.py writes (the tests themselves never need Python).
 * PyTorch's int64 results are stored as int32, Kindling's integer dtype.
 */

/** JSON cannot hold NaN or infinities, so the fixtures spell them as strings. */
type FixtureValue = number | boolean | 'nan' | 'inf' | '-inf';

export interface TensorSpec {
  shape: number[];
  dtype: DType;
  values: FixtureValue[];
}

/** Every non-tensor argument any case uses; each op reads the ones it needs. */
interface Attrs {
  dim?: number | number[];
  dims?: number[];
  dim0?: number;
  dim1?: number;
  keepdim?: boolean;
  min?: number | null;
  max?: number | null;
  shape?: number[];
  start?: number;
  end?: number;
  step?: number;
  length?: number;
  steps?: number;
  numClasses?: number;
  n?: number;
  m?: number;
  diagonal?: number;
  descending?: boolean;
  k?: number;
  largest?: boolean;
  splitSize?: number;
  sections?: number[];
  chunks?: number;
  value?: number | string;
  equation?: string;
}

interface OpCase {
  name: string;
  op: string;
  /** Positional operands: tensors, or plain numbers for scalar operands. */
  args: (TensorSpec | number)[];
  attrs: Attrs;
  /** A tensor, or `{ values, indices }` for max and min over a dim. */
  expected: TensorSpec | Record<string, TensorSpec>;
}

type Operand = Tensor | number;
/** A tensor, the values and indices of max, min, sort and topk, or split's and chunk's pieces by position. */
type OpResult = Tensor | ValuesAndIndices | Record<string, Tensor>;

const pieces = (list: readonly Tensor[]): Record<string, Tensor> => Object.fromEntries(list.map((t, i) => [String(i), t]));

const RTOL = 1e-5;
const ATOL = 1e-6;

function decode(value: FixtureValue): number {
  if (value === 'nan') return NaN;
  if (value === 'inf') return Infinity;
  if (value === '-inf') return -Infinity;
  return Number(value);
}

export function fromSpec(spec: TensorSpec): Tensor {
  const values = spec.dtype === 'bool' ? spec.values.map((v) => v === true) : spec.values.map(decode);
  return tensor(values, { shape: spec.shape, dtype: spec.dtype });
}

function tensorAt(args: readonly Operand[], i: number): Tensor {
  const value = args[i];
  if (!isTensor(value)) throw new Error(`argument ${i} should be a tensor in this fixture, got ${String(value)}`);
  return value;
}

function need<K extends keyof Attrs>(attrs: Attrs, key: K): NonNullable<Attrs[K]> {
  const value = attrs[key];
  if (value === undefined || value === null) throw new Error(`the fixture is missing attr '${key}'`);
  return value as NonNullable<Attrs[K]>;
}

function singleDim(attrs: Attrs): number {
  const dim = need(attrs, 'dim');
  if (typeof dim !== 'number') throw new Error(`expected one dim, got [${dim.join(', ')}]`);
  return dim;
}

function optionalSingleDim(attrs: Attrs): number | undefined {
  return attrs.dim === undefined ? undefined : singleDim(attrs);
}

const binary =
  (fn: (a: TensorOrScalar, b: TensorOrScalar) => Tensor) =>
  (args: readonly Operand[]): Tensor =>
    fn(args[0] as Operand, args[1] as Operand);

const unary =
  (fn: (x: Tensor) => Tensor) =>
  (args: readonly Operand[]): Tensor =>
    fn(tensorAt(args, 0));

/** Kindling's call for each fixture op name (PyTorch's snake_case names become camelCase). */
const OPS: Record<string, (args: readonly Operand[], attrs: Attrs) => OpResult> = {
  add: binary(add),
  sub: binary(sub),
  mul: binary(mul),
  div: binary(div),
  pow: binary(pow),
  maximum: binary(maximum),
  minimum: binary(minimum),
  eq: binary(eq),
  ne: binary(ne),
  lt: binary(lt),
  le: binary(le),
  gt: binary(gt),
  ge: binary(ge),
  neg: unary((x) => x.neg()),
  exp: unary((x) => x.exp()),
  log: unary((x) => x.log()),
  sqrt: unary((x) => x.sqrt()),
  abs: unary((x) => x.abs()),
  relu: unary((x) => x.relu()),
  sigmoid: unary((x) => x.sigmoid()),
  tanh: unary((x) => x.tanh()),
  sin: unary((x) => x.sin()),
  cos: unary((x) => x.cos()),
  erf: unary((x) => x.erf()),
  erfc: unary((x) => x.erfc()),
  rsqrt: unary((x) => x.rsqrt()),
  expm1: unary((x) => x.expm1()),
  log1p: unary((x) => x.log1p()),
  clamp: (args, attrs) => tensorAt(args, 0).clamp(attrs.min, attrs.max),
  where: (args) => where(tensorAt(args, 0), args[1] as Operand, args[2] as Operand),

  matmul: (args) => matmul(tensorAt(args, 0), tensorAt(args, 1)),
  transposeMatmul: (args) => tensorAt(args, 0).transpose(0, 1).matmul(tensorAt(args, 1)),

  sum: (args, attrs) => tensorAt(args, 0).sum(attrs.dim, attrs.keepdim ?? false),
  mean: (args, attrs) => tensorAt(args, 0).mean(attrs.dim, attrs.keepdim ?? false),
  max: (args, attrs) => {
    const dim = optionalSingleDim(attrs);
    return dim === undefined ? tensorAt(args, 0).max() : tensorAt(args, 0).max(dim, attrs.keepdim ?? false);
  },
  min: (args, attrs) => {
    const dim = optionalSingleDim(attrs);
    return dim === undefined ? tensorAt(args, 0).min() : tensorAt(args, 0).min(dim, attrs.keepdim ?? false);
  },
  argmax: (args, attrs) => tensorAt(args, 0).argmax(optionalSingleDim(attrs), attrs.keepdim ?? false),
  argmin: (args, attrs) => tensorAt(args, 0).argmin(optionalSingleDim(attrs), attrs.keepdim ?? false),
  softmax: (args, attrs) => tensorAt(args, 0).softmax(singleDim(attrs)),
  logSoftmax: (args, attrs) => tensorAt(args, 0).logSoftmax(singleDim(attrs)),

  gather: (args, attrs) => tensorAt(args, 0).gather(singleDim(attrs), tensorAt(args, 1)),
  indexSelect: (args, attrs) => tensorAt(args, 0).indexSelect(singleDim(attrs), tensorAt(args, 1)),
  oneHot: (args, attrs) => oneHot(tensorAt(args, 0), need(attrs, 'numClasses')),
  cat: (args, attrs) => cat(args.map((_, i) => tensorAt(args, i)), singleDim(attrs)),
  stack: (args, attrs) => stack(args.map((_, i) => tensorAt(args, i)), singleDim(attrs)),

  transpose: (args, attrs) => tensorAt(args, 0).transpose(need(attrs, 'dim0'), need(attrs, 'dim1')).contiguous(),
  permute: (args, attrs) => tensorAt(args, 0).permute(need(attrs, 'dims')).contiguous(),
  expand: (args, attrs) => tensorAt(args, 0).expand(need(attrs, 'shape')).contiguous(),
  expandMul: (args, attrs) => tensorAt(args, 0).expand(need(attrs, 'shape')).mul(tensorAt(args, 1)),
  narrow: (args, attrs) => tensorAt(args, 0).narrow(singleDim(attrs), need(attrs, 'start'), need(attrs, 'length')).contiguous(),
  slice: (args, attrs) => tensorAt(args, 0).slice(singleDim(attrs), attrs.start, attrs.end, attrs.step).contiguous(),
  transposeSlice: (args, attrs) =>
    tensorAt(args, 0).transpose(0, 1).slice(singleDim(attrs), attrs.start, attrs.end, attrs.step).contiguous(),

  linspace: (_, attrs) => linspace(need(attrs, 'start'), need(attrs, 'end'), need(attrs, 'steps')),
  arange: (_, attrs) => (attrs.start === undefined ? arange(need(attrs, 'end')) : arange(attrs.start, need(attrs, 'end'), attrs.step)),
  eye: (_, attrs) => eye(need(attrs, 'n'), attrs.m),

  tril: (args, attrs) => tensorAt(args, 0).tril(need(attrs, 'diagonal')),
  triu: (args, attrs) => tensorAt(args, 0).triu(need(attrs, 'diagonal')),
  transposeTril: (args, attrs) => tensorAt(args, 0).transpose(0, 1).tril(need(attrs, 'diagonal')),
  cumsum: (args, attrs) => tensorAt(args, 0).cumsum(singleDim(attrs)),
  sort: (args, attrs) => tensorAt(args, 0).sort(singleDim(attrs), need(attrs, 'descending')),
  argsort: (args, attrs) => tensorAt(args, 0).argsort(singleDim(attrs), need(attrs, 'descending')),
  topk: (args, attrs) => tensorAt(args, 0).topk(need(attrs, 'k'), singleDim(attrs), need(attrs, 'largest')),
  split: (args, attrs) => pieces(tensorAt(args, 0).split(attrs.sections ?? need(attrs, 'splitSize'), singleDim(attrs))),
  chunk: (args, attrs) => pieces(tensorAt(args, 0).chunk(need(attrs, 'chunks'), singleDim(attrs))),
  maskedFill: (args, attrs) => tensorAt(args, 0).maskedFill(tensorAt(args, 1), decode(need(attrs, 'value') as FixtureValue)),
  bmm: (args) => tensorAt(args, 0).bmm(tensorAt(args, 1)),
  einsum: (args, attrs) => einsum(need(attrs, 'equation'), ...args.map((_, i) => tensorAt(args, i))),
};

/** Why `actual` differs from `expected`, or undefined when it matches within float32 tolerance. */
export async function mismatch(actual: Tensor, expected: TensorSpec): Promise<string | undefined> {
  if (actual.shape.length !== expected.shape.length || actual.shape.some((extent, d) => extent !== expected.shape[d])) {
    return `shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`;
  }
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  const values = await actual.data();
  const exact = expected.dtype !== 'float32' && expected.dtype !== 'float64';
  const wrong: string[] = [];
  expected.values.forEach((raw, i) => {
    const want = decode(raw);
    const got = values[i] as number;
    const ok = exact || !Number.isFinite(want) ? Object.is(got, want) || got === want : Math.abs(got - want) <= ATOL + RTOL * Math.abs(want);
    if (!ok) wrong.push(`[${i}] got ${got}, expected ${want}`);
  });
  if (wrong.length === 0) return undefined;
  return `${wrong.length} of ${expected.values.length} values differ: ${wrong.slice(0, 6).join('; ')}${wrong.length > 6 ? '; ...' : ''}`;
}

function isTensorSpec(value: TensorSpec | Record<string, TensorSpec>): value is TensorSpec {
  return Array.isArray(value.shape);
}

export function loadOpCases(): OpCase[] {
  // A JSON import rather than a file read, so the suite also runs in a browser.
  const cases: unknown = opsFixture;
  return cases as OpCase[];
}

/**
 * Checks every op case in ops.json on `backendName`. Each backend's test file calls this, so every
 * backend is held to the same PyTorch results.
 */
export function describePytorchParity(backendName: string): void {
  describe(`PyTorch parity of tensor ops (${backendName})`, () => {
    beforeAll(() => useBackend(backendName));

    for (const c of loadOpCases()) {
      it(`${c.op}: ${c.name}`, async () => {
        const run = OPS[c.op];
        if (!run) throw new Error(`no Kindling call is mapped to fixture op '${c.op}'; add one to OPS`);
        if (c.op === 'oneHot' && c.attrs.numClasses === -1 && !getBackend().synchronous) {
          // Inferring the class count reads the indices during the call, which an asynchronous backend refuses to do.
          expect(() => run(c.args.map((a) => (typeof a === 'number' ? a : fromSpec(a))), c.attrs)).toThrow(/numClasses must be given/);
          return;
        }
        const result = run(c.args.map((a) => (typeof a === 'number' ? a : fromSpec(a))), c.attrs);
        const outputs: [string, Tensor, TensorSpec][] = [];
        if (isTensorSpec(c.expected)) {
          if (!isTensor(result)) throw new Error(`expected one tensor, got {${Object.keys(result).join(', ')}}`);
          outputs.push(['result', result, c.expected]);
        } else {
          if (isTensor(result)) throw new Error(`expected {${Object.keys(c.expected).join(', ')}}, got one tensor`);
          const byKey = result as Record<string, Tensor>;
          expect(Object.keys(byKey).sort()).toEqual(Object.keys(c.expected).sort());
          for (const [key, spec] of Object.entries(c.expected)) outputs.push([key, byKey[key] as Tensor, spec]);
        }
        const problems: string[] = [];
        for (const [key, actual, spec] of outputs) {
          const problem = await mismatch(actual, spec);
          if (problem !== undefined) problems.push(`${key}: ${problem}`);
        }
        expect(problems, `${c.name}`).toEqual([]);
      });
    }
  });
}
