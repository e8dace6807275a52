import { readFileSync } from 'node:fs';
import { Variable } from '@kindling/autograd';
import { functional as F } from '@kindling/nn';
import { Adam } from '@kindling/optim';
import { setBackend, tensor, type DType, type Tensor } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../src/index.js';
import fixtures from './fixtures/pytorch-onnx.json' with { type: 'json' };

/*
 * Models that PyTorch exported with torch.onnx.export (scripts/fixtures/generate_onnx_fixtures.py):
 * imported, they give PyTorch's outputs, and ten Adam steps on them give PyTorch's losses.
 */

interface TensorSpec {
  shape: number[];
  dtype: DType;
  values: number[];
}

function fromSpec(spec: TensorSpec): Tensor {
  return tensor(spec.values, { dtype: spec.dtype, shape: spec.shape });
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], rtol: number): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(Math.abs(Number(actual[i]) - e), `element ${i}`).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(e))));
}

const LOSSES = {
  mlp: (logits: Variable, labels: Tensor) => F.crossEntropy(logits, labels),
  cnn: (logProbs: Variable, labels: Tensor) => F.nllLoss(logProbs, labels),
};

describe.each(['mlp', 'cnn'] as const)('the PyTorch-exported %s', (name) => {
  const fixture = fixtures[name];
  const bytes = readFileSync(new URL(`./fixtures/${fixture.onnx}`, import.meta.url));

  beforeAll(async () => {
    await setBackend('cpu');
  });

  it(`imports (opset ${fixture.opset}) with PyTorch's parameter names and gives PyTorch's outputs`, () => {
    const model = importOnnx(bytes);
    expect(Object.keys(model.stateDict())).toEqual(fixture.stateDictKeys);
    expectClose(model.forward(fromSpec(fixture.input as TensorSpec)).data.dataSync(), fixture.output.values as number[], 1e-5);
  });

  it("fine-tunes with Adam: ten steps give PyTorch's losses", () => {
    const model = importOnnx(bytes);
    const optimizer = new Adam(model.parameters(), { lr: fixture.lr });
    const losses = fixture.steps.map((step) => {
      optimizer.zeroGrad();
      const loss = LOSSES[name](model.forward(fromSpec(step.images as TensorSpec)), fromSpec(step.labels as TensorSpec));
      loss.backward();
      optimizer.step();
      return Number(loss.data.itemSync());
    });
    expectClose(losses, fixture.steps.map((step) => step.loss.values[0] as number), 1e-4);
  });
});
