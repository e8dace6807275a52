import { describe, expect, it } from 'vitest';
import { decodeModel, decodeTensor, encodeModel, ONNX_DTYPE, type TensorProto } from '../src/proto/proto.js';

/* The decoder hands out a model's tensor data as views of the file's bytes or typed arrays, never as arrays of JS numbers. */

function modelWith(initializer: TensorProto): Uint8Array {
  return encodeModel({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'g', initializer: [initializer] } });
}

describe('decodeModel', () => {
  it("gives a large raw_data as a view of the file's bytes, and copies small fields so they do not pin the file", () => {
    const large = new Uint8Array(1 << 20).fill(7);
    const file = modelWith({ name: 'w', dims: [1 << 18], dataType: ONNX_DTYPE.FLOAT, rawData: large });
    const rawData = decodeModel(file).graph?.initializer?.[0]?.rawData as Uint8Array;
    expect(rawData.buffer).toBe(file.buffer);
    expect(rawData.length).toBe(large.length);
    const small = decodeModel(modelWith({ name: 'b', dims: [2], dataType: ONNX_DTYPE.FLOAT, rawData: new Uint8Array(8) })).graph?.initializer?.[0]?.rawData as Uint8Array;
    expect(small.buffer).not.toBe(file.buffer);
  });

  it('reads float_data, int32_data and int64_data as typed arrays, int64 exactly', () => {
    const graph = decodeModel(
      encodeModel({
        irVersion: 8,
        graph: {
          initializer: [
            { name: 'f', dims: [3], dataType: ONNX_DTYPE.FLOAT, floatData: [1.5, -2, 3] },
            { name: 'i', dims: [2], dataType: ONNX_DTYPE.INT32, int32Data: [-7, 2 ** 31 - 1] },
            { name: 'l', dims: [2], dataType: ONNX_DTYPE.INT64, int64Data: [-(2 ** 40), 2 ** 53 + 2] },
          ],
        },
      }),
    ).graph;
    const [f, i, l] = graph?.initializer ?? [];
    expect(f?.floatData).toEqual(Float32Array.from([1.5, -2, 3]));
    expect(i?.int32Data).toEqual(Int32Array.from([-7, 2 ** 31 - 1]));
    expect(l?.int64Data).toEqual(BigInt64Array.from([-(2n ** 40n), 2n ** 53n + 2n]));
  });

  it('reads repeated numbers written one by one as well as packed', () => {
    // float_data (field 4) as two unpacked fixed32 elements: tag 4 << 3 | 5 = 37.
    const floats = new Uint8Array(new Float32Array([0.5, 4]).buffer);
    const bytes = Uint8Array.from([37, ...floats.subarray(0, 4), 37, ...floats.subarray(4), 16, ONNX_DTYPE.FLOAT]);
    const tensor = decodeTensor(bytes);
    expect(tensor.floatData).toEqual(Float32Array.from([0.5, 4]));
    expect(tensor.dataType).toBe(ONNX_DTYPE.FLOAT);
  });

  it('refuses a file cut short, naming the bytes it was given', () => {
    const file = modelWith({ name: 'w', dims: [4], dataType: ONNX_DTYPE.FLOAT, rawData: new Uint8Array(16) });
    expect(() => decodeModel(file.subarray(0, file.length - 5))).toThrow(new RegExp(`importOnnx: the ${file.length - 5} bytes are not an ONNX ModelProto \\(.*runs past the end`));
  });
});
