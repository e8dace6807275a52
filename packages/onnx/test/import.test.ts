import { Variable } from '@kindling/autograd';
import { Linear, Sequential, ReLU } from '@kindling/nn';
import { Adam } from '@kindling/optim';
import { randn, tensor, zeros } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { exportOnnx, importOnnx, OnnxUnsupportedError, SUPPORTED_ONNX_OPS } from '../src/index.js';
import { encodeModel, ONNX_DTYPE, type NodeProto } from '../src/proto/proto.js';

/** A one-node model over a float input `x` [2, 3], giving `y`. */
function oneNode(node: NodeProto, opset = 17, elemType: number = ONNX_DTYPE.FLOAT): Uint8Array {
  const info = (name: string) => ({ name, type: { tensorType: { elemType, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }] } } } });
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph: { name: 'g', node: [{ input: ['x'], output: ['y'], ...node }], input: [info('x')], output: [info('y')] },
  });
}

describe('importOnnx', () => {
  it('refuses an unsupported op at import, naming the node, the op type and the opset, and listing what is supported', () => {
    const bytes = oneNode({ opType: 'Hardmax', name: 'hardest' }, 15);
    expect(() => importOnnx(bytes)).toThrow(OnnxUnsupportedError);
    expect(() => importOnnx(bytes)).toThrow(/'Hardmax' node 'hardest' \(opset 15\): the op Hardmax is not supported\. Supported ops: Abs, Add, /);
    try {
      importOnnx(bytes);
    } catch (error) {
      expect((error as OnnxUnsupportedError).reason).toBe('op Hardmax');
    }
    expect(() => importOnnx(oneNode({ opType: 'Relu', domain: 'com.microsoft' }))).toThrow(/the op com\.microsoft\.Relu is not supported/);
  });

  it('refuses an unknown attribute or an unsupported attribute value at import', () => {
    expect(() => importOnnx(oneNode({ opType: 'Relu', attribute: [{ name: 'bogus', type: 2, i: 1 }] }))).toThrow(/'Relu' node #0 \(opset 17\): attribute 'bogus' is not supported/);
    const reflect = oneNode({ opType: 'Pad', attribute: [{ name: 'mode', type: 3, s: new TextEncoder().encode('wrap') }] }, 17);
    expect(() => importOnnx(reflect)).toThrow(/mode="wrap" is not supported \(supported: "constant", "reflect", "edge"\)/);
  });

  it('refuses element types Kindling does not hold, naming the value', () => {
    expect(() => importOnnx(oneNode({ opType: 'Relu' }, 17, ONNX_DTYPE.FLOAT16))).toThrow(/the graph input 'x' has element type float16/);
  });

  it('checks inputs by name, dtype and declared shape', () => {
    const model = importOnnx(oneNode({ opType: 'Relu' }));
    expect(model.inputNames).toEqual(['x']);
    expect(model.run({ x: tensor([[-1, 2, -3], [4, -5, 6]]) }).y?.data.arraySync()).toEqual([[0, 2, 0], [4, 0, 6]]);
    expect(() => model.run({ x: zeros([2, 4]) })).toThrow(/the input 'x' has shape \[2, 4\], but the graph declares \[2, 3\]/);
    expect(() => model.run({ x: zeros([2, 3], { dtype: 'int32' }) })).toThrow(/the input 'x' must be float32, got int32/);
    expect(() => model.run({ x: zeros([2, 3]), z: zeros([1]) })).toThrow(/no graph input named 'z'/);
    expect(() => model.forward()).toThrow(/takes 1 inputs \(x\), got 0/);
  });

  it('makes floating initializers Parameters named after them, which an optimizer trains', () => {
    const net = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 1));
    const model = importOnnx(exportOnnx(net, randn([2, 3])));
    expect(model.namedParameters().map(([name]) => name)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(model.initializer('2.bias')).toBe(model.parameters()[3]);
    const before = model.initializer('0.weight').data.dataSync().slice();
    const optimizer = new Adam(model.parameters(), { lr: 0.1 });
    const x = new Variable(randn([2, 3]));
    model.forward(x).sum().backward();
    optimizer.step();
    expect(model.initializer('0.weight').data.dataSync()).not.toEqual(before);
  });

  it('lists its ops in one table', () => {
    for (const op of ['Conv', 'Gemm', 'BatchNormalization', 'LayerNormalization', 'Softmax', 'Reshape', 'Pad', 'Where']) expect(SUPPORTED_ONNX_OPS).toContain(op);
  });
});
