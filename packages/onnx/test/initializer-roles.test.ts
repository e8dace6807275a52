import { BatchNorm2d } from '@kindling/nn';
import { manualSeed, randn, tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../src/index.js';
import { ATTRIBUTE_TYPE, encodeModel, ONNX_DTYPE, type NodeProto, type TensorProto, type ValueInfoProto } from '../src/proto/proto.js';

/* Which initializers an import trains: the graph's weights only, never its masks or settings. */

function info(name: string, dims: readonly number[]): ValueInfoProto {
  return { name, type: { tensorType: { elemType: ONNX_DTYPE.FLOAT, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } } };
}

function floats(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  return { name, dims: [...dims], dataType: ONNX_DTYPE.FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) };
}

/** y = clip(x·W + b + mask, lo, hi), with an initializer that nothing reads. */
const model = encodeModel({
  irVersion: 8,
  opsetImport: [{ domain: '', version: 17 }],
  graph: {
    name: 'g',
    node: [
      { opType: 'MatMul', input: ['x', 'fc.weight'], output: ['product'] },
      { opType: 'Add', input: ['product', 'fc.bias'], output: ['shifted'] },
      { opType: 'Add', input: ['shifted', 'mask'], output: ['masked'] },
      { opType: 'Clip', input: ['masked', 'low', 'high'], output: ['y'] },
    ],
    input: [info('x', [1, 2])],
    output: [info('y', [1, 2])],
    initializer: [
      floats('fc.weight', [2, 2], [1, 0, 0, 1]),
      floats('fc.bias', [2], [0.5, 0.5]),
      floats('mask', [1, 2], [0, -Infinity]),
      floats('low', [], [-5]),
      floats('high', [], [5]),
      floats('unused', [2], [1, 2]),
    ],
  },
});

describe('importOnnx gives each floating initializer the role the graph gives it', () => {
  it('trains what the graph computes with; keeps a mask a buffer and settings constants', () => {
    const imported = importOnnx(model);
    expect(imported.namedParameters().map(([name]) => name)).toEqual(['fc.weight', 'fc.bias']);
    expect(imported.namedBuffers().map(([name]) => name)).toEqual(['mask']);
    // Clip's bounds and the unread initializer are part of the graph, as PyTorch's state_dict leaves them out.
    expect(Object.keys(imported.stateDict())).toEqual(['mask', 'fc.weight', 'fc.bias']);
    expect(imported.forward(tensor([[10, 1]])).data.arraySync()).toEqual([[5, -5]]);
  });

  it('loads a buffer from a state dict, as a checkpoint restores it', () => {
    const imported = importOnnx(model);
    imported.loadStateDict({ ...imported.stateDict(), mask: tensor([[0, 0]]) });
    expect(imported.forward(tensor([[1, 2]])).data.arraySync()).toEqual([[1.5, 2.5]]);
  });
});

/** A BatchNormalization over 2 channels as a training-mode export writes it: training_mode=1 from opset 14, statistics as outputs before. */
function batchNormModel(opset: number): Uint8Array {
  const statistics = opset >= 14 ? ['mean_out', 'var_out'] : ['mean_out', 'var_out', 'saved_mean', 'saved_var'];
  const node: NodeProto = {
    opType: 'BatchNormalization',
    name: 'bn',
    input: ['x', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var'],
    output: ['y', ...statistics],
    attribute: [{ name: 'momentum', type: ATTRIBUTE_TYPE.FLOAT, f: 0.9 }, ...(opset >= 14 ? [{ name: 'training_mode', type: ATTRIBUTE_TYPE.INT, i: 1 }] : [])],
  };
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'g',
      node: [node],
      input: [info('x', [3, 2, 2, 2])],
      output: [info('y', [3, 2, 2, 2])],
      initializer: [floats('bn.weight', [2], [1, 1]), floats('bn.bias', [2], [0, 0]), floats('bn.running_mean', [2], [0, 0]), floats('bn.running_var', [2], [1, 1])],
    },
  });
}

describe.each([13, 15])('a training-mode BatchNormalization at opset %i', (opset) => {
  it("normalises with the batch's statistics and moves its buffers as BatchNorm2d does, in training mode only", () => {
    const imported = importOnnx(batchNormModel(opset));
    const reference = new BatchNorm2d(2);
    expect(imported.namedParameters().map(([name]) => name)).toEqual(['bn.weight', 'bn.bias']);
    expect(imported.namedBuffers().map(([name]) => name)).toEqual(['bn.running_mean', 'bn.running_var']);
    manualSeed(0);
    for (const x of [randn([3, 2, 2, 2]), randn([3, 2, 2, 2]).mul(3)]) {
      const [actual, expected] = [imported.forward(x), reference.forward(x)];
      actual.dataSync().forEach((value, i) => expect(value).toBeCloseTo(expected.dataSync()[i] as number, 5));
    }
    for (const name of ['running_mean', 'running_var']) {
      const [actual, expected] = [imported.getBuffer(`bn.${name}`)?.dataSync() ?? [], reference.getBuffer(name)?.dataSync() ?? []];
      expect(Array.from(actual, (v) => v.toFixed(5))).toEqual(Array.from(expected, (v) => v.toFixed(5)));
    }
    imported.eval();
    reference.eval();
    const x = randn([3, 2, 2, 2]);
    const expected = reference.forward(x).dataSync();
    imported.forward(x).dataSync().forEach((value, i) => expect(value).toBeCloseTo(expected[i] as number, 5));
  });
});
