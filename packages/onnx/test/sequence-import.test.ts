import { readFileSync } from 'node:fs';
import { functional as F } from '@kindling/nn';
import { SGD } from '@kindling/optim';
import { setBackend, tensor, type DType, type Tensor } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../src/index.js';
import { decodeModel } from '../src/proto/proto.js';
import fixtures from './fixtures/onnx-sequence.json' with { type: 'json' };

/*
 * Sequence and image models that PyTorch 1.13 exported (scripts/fixtures/generate_onnx_sequence_fixtures.py):
 * a causal TransformerEncoder, a bidirectional 2-layer LSTM, a GRU and an RNN, a UNet with
 * ConvTranspose and Resize, and a ResNet exported in training mode, whose import fine-tunes with
 * PyTorch's losses while its BatchNorm statistics stay buffers.
 */

interface TensorSpec {
  shape: number[];
  dtype: DType;
  values: (number | string)[];
}

function fromSpec(spec: TensorSpec): Tensor {
  return tensor(spec.values.map(Number), { dtype: spec.dtype, shape: spec.shape });
}

function expectClose(actual: ArrayLike<number>, expected: readonly (number | string)[], rtol: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  expected.map(Number).forEach((e, i) => expect(Math.abs(Number(actual[i]) - e), `${what}, element ${i}: ${actual[i]} vs ${e}`).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(e))));
}

function load(file: string): Uint8Array {
  return readFileSync(new URL(`./fixtures/${file}`, import.meta.url));
}

beforeAll(async () => {
  await setBackend('cpu');
});

describe.each(['transformer', 'lstm', 'gru', 'unet'] as const)("PyTorch's export of the %s", (name) => {
  const fixture = fixtures[name];

  it(`imports (opset ${fixture.opset}) and gives PyTorch's outputs within 1e-4`, () => {
    const model = importOnnx(load(fixture.onnx));
    const feeds = Object.fromEntries(Object.entries(fixture.inputs).map(([input, spec]) => [input, fromSpec(spec as TensorSpec)]));
    const outputs = model.run(feeds);
    for (const [output, spec] of Object.entries(fixture.outputs) as [string, TensorSpec][]) {
      const actual = outputs[output];
      expect(actual?.shape, output).toEqual(spec.shape);
      expectClose(actual?.data.dataSync() ?? [], spec.values, 1e-4, output);
    }
  });

  it('trains every initializer, all of them weights the graph computes with, and holds no buffers', () => {
    const bytes = load(fixture.onnx);
    const model = importOnnx(bytes);
    expect(model.namedParameters().length).toBe(decodeModel(bytes).graph?.initializer?.length);
    expect(model.buffers()).toEqual([]);
  });
});

describe("PyTorch's training-mode export of a ResNet with BatchNorm", () => {
  const fixture = fixtures.resnet;

  it("makes the weights Parameters and the running statistics buffers, under PyTorch's names", () => {
    const model = importOnnx(load(fixture.onnx));
    expect(model.namedParameters().map(([name]) => name)).toEqual(fixture.parameterNames);
    expect(model.namedBuffers().map(([name]) => name)).toEqual(fixture.bufferNames);
    expect(Object.keys(model.stateDict()).sort()).toEqual([...fixture.parameterNames, ...fixture.bufferNames].sort());
    expect(() => model.initializer('bn1.running_mean')).toThrow(/'bn1.running_mean' is a buffer, which the graph does not train/);
  });

  it("fine-tunes with SGD: five steps in training mode give PyTorch's losses and running statistics", () => {
    const model = importOnnx(load(fixture.onnx));
    const optimizer = new SGD(model.parameters(), { lr: fixture.lr });
    const losses = fixture.steps.map((step) => {
      optimizer.zeroGrad();
      const loss = F.crossEntropy(model.forward(fromSpec(step.images as TensorSpec)), fromSpec(step.labels as TensorSpec));
      loss.backward();
      optimizer.step();
      return Number(loss.data.itemSync());
    });
    expectClose(losses, fixture.steps.map((step) => step.loss.values[0] as number), 1e-5, 'losses');
    expectClose(model.getBuffer('bn1.running_mean')?.dataSync() ?? [], fixture.runningMean.values, 1e-5, 'bn1.running_mean');
    expectClose(model.getBuffer('bn1.running_var')?.dataSync() ?? [], fixture.runningVar.values, 1e-5, 'bn1.running_var');

    // Evaluation mode normalises with the running statistics and leaves them as they are.
    model.eval();
    const before = model.getBuffer('bn1.running_mean')?.dataSync().slice();
    expectClose(model.forward(fromSpec(fixture.evalInput as TensorSpec)).data.dataSync(), fixture.evalLogits.values, 1e-4, 'evaluation logits');
    expect(model.getBuffer('bn1.running_mean')?.dataSync()).toEqual(before);
  });
});
