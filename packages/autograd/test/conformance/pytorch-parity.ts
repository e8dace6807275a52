import { setBackend, tensor, type DType, type Tensor } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { cat, stack, Variable, where } from '../../src/index.js';
import gradientsFixture from '../fixtures/gradients.json' with { type: 'json' };

/*
 * Forward values and gradients against PyTorch's, read from fixtures that
 * scripts/fixtures/generate_autograd_fixtures.py writes (the tests themselves never need Python).
 * Each fixture names an expression; EXPRESSIONS below implements each once, mirroring the Python.
 */

type FixtureValue = number | boolean | 'nan' | 'inf' | '-inf';

interface TensorSpec {
  shape: number[];
  dtype: DType;
  values: FixtureValue[];
}

interface InputSpec extends TensorSpec {
  requiresGrad: boolean;
}

interface GradientCase {
  name: string;
  expr: string;
  inputs: Record<string, InputSpec>;
  expected: { value: TensorSpec; grads: Record<string, TensorSpec> };
}

/** Inputs that require grad are Variables; the rest (indices, constants) are plain Tensors. */
type Inputs = Readonly<Record<string, Variable | Tensor>>;

const RTOL = 1e-5;
const ATOL = 1e-6;

function variable(inputs: Inputs, name: string): Variable {
  const value = inputs[name];
  if (!(value instanceof Variable)) throw new Error(`input '${name}' should require grad in this fixture`);
  return value;
}

function constant(inputs: Inputs, name: string): Tensor {
  const value = inputs[name];
  if (value === undefined || value instanceof Variable) throw new Error(`input '${name}' should be a constant in this fixture`);
  return value;
}

/** Each fixture expression with Kindling's Variable; the Python twin is in generate_autograd_fixtures.py. */
const EXPRESSIONS: Record<string, (inputs: Inputs) => Variable> = {
  linearReluSum: (i) => variable(i, 'x').matmul(variable(i, 'w')).add(variable(i, 'b')).relu().sum(),
  logSoftmaxGatherMean: (i) => variable(i, 'x').logSoftmax(1).gather(1, constant(i, 'idx')).mean(),
  sigmoidTimesTanhSum: (i) => variable(i, 'x').sigmoid().mul(variable(i, 'y').tanh()).sum(),
  divPowMeanDim0Sum: (i) => variable(i, 'x').div(variable(i, 'y')).pow(2).mean(0).sum(),
  softmaxWeightedSum: (i) => variable(i, 'x').softmax(-1).mul(variable(i, 'w')).sum(),
  logSoftmaxWeightedSum: (i) => variable(i, 'x').logSoftmax(1).mul(variable(i, 'w')).sum(),
  maxDimWeightedSum: (i) => variable(i, 'x').max(1).values.mul(variable(i, 'w')).sum(),
  minDimKeepdimWeightedSum: (i) => variable(i, 'x').min(0, true).values.mul(variable(i, 'w')).sum(),
  clampWeightedSum: (i) => variable(i, 'x').clamp(-0.5, 0.5).mul(variable(i, 'w')).sum(),
  clampMinWeightedSum: (i) => variable(i, 'x').clamp(0).mul(variable(i, 'w')).sum(),
  whereSum: (i) => {
    const [x, y] = [variable(i, 'x'), variable(i, 'y')];
    return where(x.gt(0), x.mul(y), y.exp()).sum();
  },
  maximumWeightedSum: (i) => variable(i, 'x').maximum(variable(i, 'y')).mul(variable(i, 'w')).sum(),
  minimumWeightedSum: (i) => variable(i, 'x').minimum(variable(i, 'y')).mul(variable(i, 'w')).sum(),
  catWeightedSum: (i) => cat([variable(i, 'x'), variable(i, 'y')], 0).mul(variable(i, 'w')).sum(),
  stackWeightedSum: (i) => stack([variable(i, 'x'), variable(i, 'y')], 1).mul(variable(i, 'w')).sum(),
  expandMulSum: (i) => variable(i, 'x').expand(3, 4).mul(variable(i, 'y')).sum(),
  transposeMatmulTanhSum: (i) => variable(i, 'x').transpose(0, 1).matmul(variable(i, 'w')).tanh().sum(),
  batchedMatmulSquareMean: (i) => variable(i, 'x').matmul(variable(i, 'w')).pow(2).mean(),
  broadcastBatchMatmulSum: (i) => variable(i, 'x').matmul(variable(i, 'w')).sum(),
  matrixVectorDot: (i) => variable(i, 'x').matmul(variable(i, 'v')).mul(variable(i, 'u')).sum(),
  vectorDot: (i) => variable(i, 'u').matmul(variable(i, 'v')),
  mseLoss: (i) => variable(i, 'x').sub(constant(i, 'y')).pow(2).mean(),
  sinCosWeightedSum: (i) => variable(i, 'x').sin().mul(variable(i, 'y').cos()).mul(variable(i, 'w')).sum(),
  erfErfcWeightedSum: (i) => {
    const x = variable(i, 'x');
    return x.erf().add(x.mul(0.5).erfc().mul(2)).mul(variable(i, 'w')).sum();
  },
  rsqrtExpm1Log1pSum: (i) => {
    const [x, y] = [variable(i, 'x'), variable(i, 'y')];
    return x.rsqrt().add(y.expm1().mul(x.log1p())).sum();
  },
  reusedInputSum: (i) => {
    const x = variable(i, 'x');
    return x.mul(x).add(x).sum();
  },
  centeredSquareSum: (i) => {
    const x = variable(i, 'x');
    return x.sub(x.mean(1, true)).pow(2).sum();
  },
  logTimesSqrtSum: (i) => {
    const x = variable(i, 'x');
    return x.log().mul(x.sqrt()).sum();
  },
  expDivSum: (i) => variable(i, 'x').exp().div(variable(i, 'y').add(2)).sum(),
  absWeightedSum: (i) => variable(i, 'x').abs().mul(variable(i, 'w')).sum(),
  reluWeightedSum: (i) => variable(i, 'x').relu().mul(variable(i, 'w')).sum(),
  // (1 - x) * -(y - 0.5): Variable has no scalar-first sub, so 1 - x is written -x + 1.
  negSubScalarSum: (i) => variable(i, 'x').neg().add(1).mul(variable(i, 'y').sub(0.5).neg()).sum(),
  sumDimKeepdimWeightedSum: (i) => variable(i, 'x').sum(-1, true).mul(variable(i, 'w')).sum(),
  gatherRepeatedWeightedSum: (i) => variable(i, 'x').gather(1, constant(i, 'idx')).mul(variable(i, 'w')).sum(),
  indexSelectRepeatedWeightedSum: (i) => variable(i, 'x').indexSelect(0, constant(i, 'idx')).mul(variable(i, 'w')).sum(),
  permuteWeightedSum: (i) => variable(i, 'x').permute(2, 0, 1).mul(variable(i, 'w')).sum(),
  narrowSliceSum: (i) => {
    const x = variable(i, 'x');
    return x.narrow(1, 1, 2).mul(variable(i, 'w')).sum().add(x.slice(1, 0, 4, 3).pow(2).sum());
  },
};

function decode(value: FixtureValue): number {
  if (value === 'nan') return NaN;
  if (value === 'inf') return Infinity;
  if (value === '-inf') return -Infinity;
  return Number(value);
}

function fromSpec(spec: TensorSpec): Tensor {
  const values = spec.dtype === 'bool' ? spec.values.map((v) => v === true) : spec.values.map(decode);
  return tensor(values, { shape: spec.shape, dtype: spec.dtype });
}

/** Why `actual` differs from `expected`, or undefined when it matches within float32 tolerance. */
async function mismatch(actual: Tensor | null, expected: TensorSpec): Promise<string | undefined> {
  if (actual === null) return 'no gradient (null)';
  if (actual.shape.length !== expected.shape.length || actual.shape.some((extent, d) => extent !== expected.shape[d])) {
    return `shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`;
  }
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  const values = await actual.data();
  const wrong: string[] = [];
  expected.values.forEach((raw, i) => {
    const want = decode(raw);
    const got = values[i] as number;
    const ok = Number.isFinite(want) ? Math.abs(got - want) <= ATOL + RTOL * Math.abs(want) : Object.is(got, want);
    if (!ok) wrong.push(`[${i}] got ${got}, expected ${want}`);
  });
  if (wrong.length === 0) return undefined;
  return `${wrong.length} of ${expected.values.length} values differ: ${wrong.slice(0, 6).join('; ')}${wrong.length > 6 ? '; ...' : ''}`;
}

function loadGradientCases(): GradientCase[] {
  // A JSON import rather than a file read, so the suite also runs in a browser.
  const cases: unknown = gradientsFixture;
  return cases as GradientCase[];
}

/**
 * Checks every expression in gradients.json on `backendName`: the forward value and the gradient
 * of each input that requires one. Each backend's test file calls this.
 */
export function describePytorchGradientParity(backendName: string): void {
  describe(`PyTorch parity of gradients (${backendName})`, () => {
    beforeAll(async () => {
      await setBackend(backendName);
    });

    for (const c of loadGradientCases()) {
      it(`${c.expr}: ${c.name}`, async () => {
        const expression = EXPRESSIONS[c.expr];
        if (!expression) throw new Error(`no Kindling expression is mapped to fixture expr '${c.expr}'; add one to EXPRESSIONS`);
        const inputs = Object.fromEntries(
          Object.entries(c.inputs).map(([name, spec]) => [name, spec.requiresGrad ? new Variable(fromSpec(spec), { requiresGrad: true }) : fromSpec(spec)]),
        );
        const output = expression(inputs);
        output.backward();
        const problems: string[] = [];
        const valueProblem = await mismatch(output.data, c.expected.value);
        if (valueProblem !== undefined) problems.push(`value: ${valueProblem}`);
        for (const [name, spec] of Object.entries(c.expected.grads)) {
          const gradProblem = await mismatch(variable(inputs, name).grad, spec);
          if (gradProblem !== undefined) problems.push(`grad of ${name}: ${gradProblem}`);
        }
        expect(problems, c.name).toEqual([]);
      });
    }
  });
}
