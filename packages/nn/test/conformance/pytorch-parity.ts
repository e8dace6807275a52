import { Variable } from '@kindling/autograd';
import { manualSeed, type Tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { functional as F, Linear, ReLU, Sequential, type CrossEntropyOptions } from '../../src/index.js';
import { expectSpec, fromSpec, readFixture, type TensorSpec } from './harness.js';

/*
 * Kindling's layers and losses against PyTorch, through the public API, on fixtures that
 * scripts/fixtures/generate_nn_fixtures.py writes (the tests never need Python).
 */

interface LinearCase {
  kind: 'linear';
  name: string;
  x: TensorSpec;
  weight: TensorSpec;
  bias: TensorSpec | null;
  upstream: TensorSpec;
  expected: { output: TensorSpec; grads: Record<'x' | 'weight' | 'bias', TensorSpec | undefined> };
}

interface LossCase {
  kind: 'loss';
  name: string;
  fn: 'crossEntropy' | 'nllLoss' | 'mseLoss';
  options: CrossEntropyOptions;
  input: TensorSpec;
  target: TensorSpec;
  upstream: TensorSpec | null;
  expected: { value: TensorSpec; inputGrad: TensorSpec };
}

interface MlpCase {
  kind: 'mlp';
  name: string;
  stateDict: Record<string, TensorSpec>;
  input: TensorSpec;
  target: TensorSpec;
  expected: { loss: TensorSpec; grads: Record<string, TensorSpec> };
}

interface Summary {
  min: number;
  max: number;
  mean: number;
  variance: number;
  count: number;
}

interface InitCase {
  kind: 'init';
  name: string;
  inFeatures: number;
  outFeatures: number;
  bound: number;
  weight: Summary;
  bias: Summary;
}

type Case = LinearCase | LossCase | MlpCase | InitCase | { kind: 'safetensors'; name: string };

const cases = readFixture<Case[]>('nn.json');

function ofKind<K extends Case['kind']>(kind: K): Extract<Case, { kind: K }>[] {
  return cases.filter((c): c is Extract<Case, { kind: K }> => c.kind === kind);
}

function leaf(spec: TensorSpec): Variable {
  return new Variable(fromSpec(spec), { requiresGrad: true });
}

function runLoss(c: LossCase, input: Variable, target: Tensor): Variable {
  if (c.fn === 'crossEntropy') return F.crossEntropy(input, target, c.options);
  if (c.fn === 'nllLoss') return F.nllLoss(input, target, c.options);
  return F.mseLoss(input, target, { reduction: c.options.reduction });
}

export function pytorchParitySuite(): void {
  describe('parity with PyTorch', () => {
    it('has fixtures of every kind', () => {
      for (const kind of ['linear', 'loss', 'mlp', 'init', 'safetensors'] as const) expect(ofKind(kind).length, kind).toBeGreaterThan(0);
    });

    for (const c of ofKind('linear')) {
      it(`Linear forward and backward: ${c.name}`, async () => {
        const [outFeatures, inFeatures] = c.weight.shape as [number, number];
        const layer = new Linear(inFeatures, outFeatures, { bias: c.bias !== null });
        layer.loadStateDict(c.bias === null ? { weight: fromSpec(c.weight) } : { weight: fromSpec(c.weight), bias: fromSpec(c.bias) });
        const x = leaf(c.x);
        const output = layer.forward(x);
        await expectSpec(output, c.expected.output);
        output.mul(fromSpec(c.upstream)).sum().backward();
        await expectSpec(x.grad, c.expected.grads.x as TensorSpec);
        await expectSpec(layer.weight.grad, c.expected.grads.weight as TensorSpec);
        if (c.bias !== null) await expectSpec(layer.bias?.grad ?? null, c.expected.grads.bias as TensorSpec);
      });
    }

    for (const c of ofKind('loss')) {
      it(`${c.fn} value and gradient: ${c.name}`, async () => {
        const input = leaf(c.input);
        const value = runLoss(c, input, fromSpec(c.target));
        await expectSpec(value, c.expected.value);
        (c.upstream === null ? value : value.mul(fromSpec(c.upstream)).sum()).backward();
        await expectSpec(input.grad, c.expected.inputGrad);
      });
    }

    for (const c of ofKind('mlp')) {
      it(`a small MLP's loss and gradients: ${c.name}`, async () => {
        const model = new Sequential(new Linear(20, 16), new ReLU(), new Linear(16, 12), new ReLU(), new Linear(12, 5));
        model.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([name, spec]) => [name, fromSpec(spec)])));
        const loss = F.crossEntropy(model.forward(fromSpec(c.input)), fromSpec(c.target));
        await expectSpec(loss, c.expected.loss);
        loss.backward();
        const grads = model.namedParameters();
        expect(grads.map(([name]) => name)).toEqual(Object.keys(c.expected.grads));
        for (const [name, parameter] of grads) await expectSpec(parameter.grad, c.expected.grads[name] as TensorSpec, 1e-4);
      });
    }

    for (const c of ofKind('init')) {
      it(`default initialisation matches PyTorch's distribution: ${c.name}`, async () => {
        manualSeed(2);
        const layer = new Linear(c.inFeatures, c.outFeatures);
        expect(1 / Math.sqrt(c.inFeatures)).toBeCloseTo(c.bound, 12);
        for (const [name, values, torch] of [
          ['weight', await layer.weight.data.data(), c.weight],
          ['bias', await layer.bias!.data.data(), c.bias],
        ] as const) {
          const n = values.length;
          expect(n, name).toBe(torch.count);
          const ours = Array.from(values);
          const mean = ours.reduce((s, v) => s + v, 0) / n;
          const variance = ours.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
          // Both samples come from U(-b, b): the same bounds, and moments that agree within sampling error.
          // The bound as a float32, the samples' precision, for both libraries.
          const bound = Math.fround(c.bound);
          expect(ours.reduce((m, v) => Math.max(m, v), -Infinity), name).toBeLessThanOrEqual(bound);
          expect(ours.reduce((m, v) => Math.min(m, v), Infinity), name).toBeGreaterThanOrEqual(-bound);
          expect(torch.max, name).toBeLessThanOrEqual(bound);
          expect(torch.min, name).toBeGreaterThanOrEqual(-bound);
          const sigma2 = c.bound ** 2 / 3;
          const meanError = Math.sqrt(sigma2 / n);
          expect(Math.abs(mean - torch.mean), name).toBeLessThan(7 * meanError);
          const varianceError = Math.sqrt((c.bound ** 4 / 5 - sigma2 ** 2) / n);
          expect(Math.abs(variance - torch.variance), name).toBeLessThan(7 * varianceError);
        }
      });
    }
  });
}
