import { tensor, zeros } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { OnnxImportError, OnnxUnsupportedError } from '../src/errors.js';
import { importOnnx } from '../src/index.js';
import { encodeModel, ONNX_DTYPE, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../src/proto/proto.js';

/* What importOnnx refuses, as ONNX Runtime refuses it, each with a message naming what and where. */

const { FLOAT, INT64 } = ONNX_DTYPE;

function info(name: string, dims: readonly number[], elemType: number = FLOAT): ValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } } };
}

function floats(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  return { name, dims: [...dims], dataType: FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) };
}

/** int64 values written as ONNX writes them, eight little-endian bytes each in raw_data. */
function int64s(name: string, dims: readonly number[], values: readonly bigint[]): TensorProto {
  return { name, dims: [...dims], dataType: INT64, rawData: new Uint8Array(BigInt64Array.from(values).buffer) };
}

interface GraphParts {
  nodes: NodeProto[];
  inputs?: ValueInfoProto[];
  outputs: ValueInfoProto[];
  initializers?: TensorProto[];
}

function model({ nodes, inputs = [], outputs, initializers = [] }: GraphParts, header: Partial<ModelProto> = {}): Uint8Array {
  return encodeModel({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'g', node: nodes, input: inputs, output: outputs, initializer: initializers }, ...header });
}

/** A Gather of rows of a [3, 2] table at the int64 `indices`. */
function gatherRows(indices: readonly bigint[]): Uint8Array {
  return model({
    nodes: [{ opType: 'Gather', name: 'lookup', input: ['table', 'indices'], output: ['rows'] }],
    outputs: [info('rows', [indices.length, 2])],
    initializers: [floats('table', [3, 2], [0, 1, 10, 11, 20, 21]), int64s('indices', [indices.length], indices)],
  });
}

const relu = (x: string, y: string, name?: string): NodeProto => ({ opType: 'Relu', input: [x], output: [y], ...(name ? { name } : {}) });

describe('importOnnx refuses', () => {
  it('a Gather index beyond int32, instead of wrapping 2^32 to row 0', () => {
    expect(importOnnx(gatherRows([2n, -3n])).run({}).rows?.data.arraySync()).toEqual([[20, 21], [0, 1]]);
    for (const index of [2n ** 32n, 3n, -4n, 2n ** 63n - 1n]) {
      const message = new RegExp(`'Gather' node 'lookup' \\(opset 17\\): index ${Number(index)} \\(element 0 of its indices 'indices'\\) is out of bounds for axis 0 of its data, of shape \\[3, 2\\]: indices must lie in \\[-3, 2\\] \\(ONNX Runtime refuses it too: indices element out of data bounds\\)`);
      expect(() => importOnnx(gatherRows([index])).run({})).toThrow(message);
    }
    const elements = model({
      nodes: [{ opType: 'GatherElements', name: 'pick', input: ['table', 'indices'], output: ['picked'] }],
      outputs: [info('picked', [1, 2])],
      initializers: [floats('table', [3, 2], [0, 1, 10, 11, 20, 21]), int64s('indices', [1, 2], [0n, 2n ** 32n])],
    });
    expect(() => importOnnx(elements).run({})).toThrow(/'GatherElements' node 'pick' \(opset 17\): index 4294967296 \(element 1 of its indices 'indices'\) is out of bounds/);
  });

  it('an int64 beyond int32 where a tensor needs it', () => {
    const indices: TensorProto = { name: 'indices', dims: [1], dataType: INT64, int64Data: [2 ** 32] };
    const bytes = model({ nodes: [{ opType: 'Identity', input: ['indices'], output: ['same'] }], outputs: [info('same', [1], INT64)], initializers: [indices] });
    expect(() => importOnnx(bytes).run({})).toThrow(/holds 4294967296, which does not fit Kindling's int32/);
  });

  it('a model with no opset_import for the default domain, opset 0, or an opset it does not follow', () => {
    const softmax: GraphParts = { nodes: [{ opType: 'Softmax', input: ['x'], output: ['y'], attribute: [{ name: 'axis', type: 2, i: 1 }] }], inputs: [info('x', [2, 3])], outputs: [info('y', [2, 3])] };
    expect(() => importOnnx(model(softmax, { opsetImport: [] }))).toThrow(OnnxImportError);
    expect(() => importOnnx(model(softmax, { opsetImport: [{ domain: 'com.example', version: 1 }] }))).toThrow(/no opset_import for ONNX's default domain \(''\), so its ops' versions are unknown/);
    expect(() => importOnnx(model(softmax, { opsetImport: [{ domain: '', version: 0 }] }))).toThrow(/opset 0; opsets start at 1/);
    expect(() => importOnnx(model(softmax, { opsetImport: [{ domain: '', version: 999 }] }))).toThrow(OnnxUnsupportedError);
    expect(() => importOnnx(model(softmax, { opsetImport: [{ domain: '', version: 999 }] }))).toThrow(/uses opset 999 of ONNX's default domain, which importOnnx does not follow \(it follows opsets 1 to 21\)/);
    expect(importOnnx(model(softmax, { opsetImport: [{ domain: 'ai.onnx', version: 21 }] })).outputNames).toEqual(['y']);
  });

  it('a missing or zero ir_version, and one newer than ONNX 1.16', () => {
    const graph: GraphParts = { nodes: [relu('x', 'y')], inputs: [info('x', [2])], outputs: [info('y', [2])] };
    expect(() => importOnnx(model(graph, { irVersion: undefined }))).toThrow(/the model has no ir_version, so it is not a valid ONNX model \(importOnnx reads IR versions 3 \(ONNX 1\.0\) to 10 \(ONNX 1\.16\)\)/);
    expect(() => importOnnx(model(graph, { irVersion: 0 }))).toThrow(OnnxImportError);
    expect(() => importOnnx(model(graph, { irVersion: 11 }))).toThrow(/IR version 11, which importOnnx does not read \(it reads IR versions 3 \(ONNX 1\.0\) to 10 \(ONNX 1\.16\)\)/);
    expect(importOnnx(model(graph, { irVersion: 10 })).inputNames).toEqual(['x']);
  });

  it('a weight larger than the backend holds, with a RangeError naming it, its shape and bytes, before reading it', () => {
    const huge: TensorProto = { name: 'embedding.weight', dims: [2 ** 31, 1], dataType: FLOAT };
    const bytes = model({ nodes: [{ opType: 'Identity', input: ['embedding.weight'], output: ['y'] }], outputs: [info('y', [2 ** 31, 1])], initializers: [huge] });
    expect(() => importOnnx(bytes, { device: 'cpu' })).toThrow(RangeError);
    expect(() => importOnnx(bytes, { device: 'cpu' })).toThrow(
      /the initializer 'embedding\.weight' is a float32 tensor of shape \[2147483648, 1\], 2147483648 elements \(8589934592 bytes\), more than the backend 'cpu' holds in one tensor: at most 2147483647 elements/,
    );
  });

  it('a graph output that no node produces, naming it, instead of failing in run', () => {
    const bytes = model({ nodes: [relu('x', 'y')], inputs: [info('x', [2])], outputs: [info('y', [2]), info('forgotten', [2])] });
    expect(() => importOnnx(bytes)).toThrow(/the graph output 'forgotten' is produced by no node and is neither a graph input nor an initializer/);
  });

  it('an empty file, and a path where the bytes belong', () => {
    expect(() => importOnnx(new Uint8Array(0))).toThrow(/the file is empty \(0 bytes\), not an ONNX model/);
    expect(() => importOnnx('some/path.onnx' as unknown as Uint8Array)).toThrow(/not a path: read the file first, importOnnx\(readFileSync\('some\/path\.onnx'\)\)/);
  });

  it('a cycle, naming its nodes, where a graph out of order is run in order', () => {
    const cycle = model({
      nodes: [{ opType: 'Add', name: 'a', input: ['x', 'c'], output: ['b'] }, relu('b', 'c', 'r'), relu('c', 'y', 'last')],
      inputs: [info('x', [2])],
      outputs: [info('y', [2])],
    });
    expect(() => importOnnx(cycle)).toThrow(/the graph has a cycle: 'Add' node 'a' → 'Relu' node 'r' → 'Add' node 'a' each read the one before/);
    const reversed = model({ nodes: [relu('h', 'y', 'second'), { opType: 'Neg', name: 'first', input: ['x'], output: ['h'] }], inputs: [info('x', [2])], outputs: [info('y', [2])] });
    expect(importOnnx(reversed).run({ x: tensor([1, -2]) }).y?.data.arraySync()).toEqual([0, 2]);
    const dangling = model({ nodes: [relu('nowhere', 'y', 'r')], outputs: [info('y', [2])] });
    expect(() => importOnnx(dangling)).toThrow(/'Relu' node 'r' \(opset 17\) reads 'nowhere', which is neither a graph input, an initializer nor any node's output/);
  });

  it('negative or absurd dims in an initializer or a graph input', () => {
    const negative: TensorProto = { name: 'w', dims: [-4, -3], dataType: FLOAT, floatData: [] };
    const add = (w: TensorProto, x = info('x', [4, 3])): Uint8Array => model({ nodes: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }], inputs: [x], outputs: [info('y', [4, 3])], initializers: [w] });
    expect(() => importOnnx(add(negative))).toThrow(/the initializer 'w' has dims \[-4, -3\]: -4 is not a size/);
    expect(() => importOnnx(add({ ...negative, dims: [2 ** 40, 2 ** 40] }))).toThrow(/the initializer 'w' has dims \[1099511627776, 1099511627776\], 1\.2089258196146292e\+24 elements, more than any memory holds/);
    expect(() => importOnnx(add(floats('w', [4, 3], Array(12).fill(1)), info('x', [4, -3])))).toThrow(/the graph input 'x' has dims \[4, -3\]: -3 is not a size/);
  });

  it('a name defined twice: two initializers, two node outputs, a node output over an initializer, or a graph output listed twice', () => {
    const w = floats('w', [2], [1, 2]);
    const defined = /the name 'w' is defined twice, by the initializer 'w' and by the initializer 'w'/;
    expect(() => importOnnx(model({ nodes: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }], inputs: [info('x', [2])], outputs: [info('y', [2])], initializers: [w, floats('w', [2], [3, 4])] }))).toThrow(defined);
    const twice = model({ nodes: [relu('x', 'y', 'one'), { opType: 'Neg', name: 'two', input: ['x'], output: ['y'] }], inputs: [info('x', [2])], outputs: [info('y', [2])] });
    expect(() => importOnnx(twice)).toThrow(/the name 'y' is defined twice, by the output of 'Relu' node 'one' and by the output of 'Neg' node 'two'/);
    const overInitializer = model({ nodes: [relu('x', 'w', 'shadow')], inputs: [info('x', [2])], outputs: [info('w', [2])], initializers: [w] });
    expect(() => importOnnx(overInitializer)).toThrow(/the name 'w' is defined twice, by the initializer 'w' and by the output of 'Relu' node 'shadow'/);
    const listedTwice = model({ nodes: [relu('x', 'y')], inputs: [info('x', [2])], outputs: [info('y', [2]), info('y', [2])] });
    expect(() => importOnnx(listedTwice)).toThrow(/the graph lists the output 'y' twice/);
  });

  it("a Conv kernel_shape that contradicts its weight's shape, naming both", () => {
    const conv = (kernel: number[], weightAsInput: boolean): Uint8Array =>
      model({
        nodes: [{ opType: 'Conv', name: 'conv1', input: ['x', 'w'], output: ['y'], attribute: [{ name: 'kernel_shape', type: 7, ints: kernel }] }],
        inputs: [info('x', [1, 1, 5, 5]), ...(weightAsInput ? [info('w', [1, 1, 3, 3])] : [])],
        outputs: [info('y', [1, 1, 3, 3])],
        initializers: weightAsInput ? [] : [floats('w', [1, 1, 3, 3], Array(9).fill(1))],
      });
    const contradiction = /'Conv' node 'conv1' \(opset 17\): its kernel_shape \[5, 5\] contradicts its weight 'w' of shape \[1, 1, 3, 3\], whose kernel is \[3, 3\]/;
    expect(() => importOnnx(conv([5, 5], false))).toThrow(contradiction);
    expect(() => importOnnx(conv([5, 5], true)).run({ x: zeros([1, 1, 5, 5]), w: zeros([1, 1, 3, 3]) })).toThrow(contradiction);
    expect(importOnnx(conv([3, 3], false)).run({ x: zeros([1, 1, 5, 5]) }).y?.shape).toEqual([1, 1, 3, 3]);
  });

  it('every unsupported op of a graph in one error, with counts and node names', () => {
    const bytes = model({
      nodes: [
        { opType: 'Hardmax', name: 'h1', input: ['x'], output: ['a'] },
        relu('a', 'b'),
        { opType: 'Mod', input: ['b'], output: ['c'] },
        { opType: 'Hardmax', name: 'h2', input: ['c'], output: ['d'] },
        { opType: 'Fancy', domain: 'com.example', name: 'f', input: ['d'], output: ['y'] },
      ],
      inputs: [info('x', [2])],
      outputs: [info('y', [2])],
    });
    let error: unknown;
    try {
      importOnnx(bytes);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(OnnxUnsupportedError);
    expect((error as OnnxUnsupportedError).reason).toBe('op Hardmax + Mod + com.example.Fancy');
    expect((error as Error).message).toContain(
      [
        "importOnnx: 4 nodes use 3 ops Kindling does not support:",
        "  Hardmax ×2: 'Hardmax' node 'h1' (opset 17), 'Hardmax' node 'h2' (opset 17)",
        "  Mod ×1: 'Mod' node #2 (opset 17)",
        "  com.example.Fancy ×1: 'Fancy' node 'f' (opset 17)",
        'Supported ops: Abs, Add,',
      ].join('\n'),
    );
  });
});
