import { findBackend, fromValues, shapeSize, type DType, type Tensor, type TypedArray } from '@kindling/tensor';
import { OnnxUnsupportedError } from './errors.js';
import { ONNX_DTYPE, type TensorProto } from './proto/proto.js';

/*
 * TensorProto ↔ host values. Kindling has no int64, so ONNX's int64 arrives as plain numbers (the
 * Shape, axes and index values PyTorch writes as int64) and becomes int32 only where a tensor needs
 * it, with a range check then.
 */

/** The element types Kindling reads: ONNX's code to Kindling's dtype (int64 held as int32). */
const KINDLING_DTYPE: Readonly<Record<number, DType>> = {
  [ONNX_DTYPE.FLOAT]: 'float32',
  [ONNX_DTYPE.DOUBLE]: 'float64',
  [ONNX_DTYPE.INT32]: 'int32',
  [ONNX_DTYPE.INT64]: 'int32',
  [ONNX_DTYPE.BOOL]: 'bool',
};

const TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(ONNX_DTYPE).map(([name, code]) => [code, name.toLowerCase()]));

/** ONNX's name for an element type code ('float', 'int64', 'uint8', ...). */
export function onnxTypeName(code: number): string {
  return TYPE_NAMES[code] ?? `type ${code}`;
}

/** The Kindling dtype for ONNX element type `code`, or an unsupported error naming `what`. */
export function kindlingDType(code: number, what: string): DType {
  const dtype = KINDLING_DTYPE[code];
  if (dtype === undefined) {
    const name = onnxTypeName(code);
    throw new OnnxUnsupportedError(
      `dtype ${name}`,
      `${what} has element type ${name}, which Kindling does not hold (it reads float, double, int32, int64 as int32, and bool)`,
    );
  }
  return dtype;
}

/** The ONNX element type that holds a Kindling dtype. */
export function onnxDType(dtype: DType): number {
  switch (dtype) {
    case 'float32':
      return ONNX_DTYPE.FLOAT;
    case 'float64':
      return ONNX_DTYPE.DOUBLE;
    case 'int32':
      return ONNX_DTYPE.INT32;
    case 'bool':
      return ONNX_DTYPE.BOOL;
  }
}

/** A tensor's values on the host, as ONNX stores them: element type, shape, numbers in row-major order. */
export interface HostTensor {
  readonly onnxType: number;
  readonly shape: readonly number[];
  readonly values: readonly number[];
}

function rawValues(raw: Uint8Array, code: number, count: number, what: string): number[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const width = code === ONNX_DTYPE.DOUBLE || code === ONNX_DTYPE.INT64 ? 8 : code === ONNX_DTYPE.BOOL ? 1 : 4;
  if (raw.byteLength !== count * width) throw new Error(`${what}: raw_data holds ${raw.byteLength} bytes, but ${count} elements of ${onnxTypeName(code)} need ${count * width}`);
  const values = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const at = i * width;
    if (code === ONNX_DTYPE.FLOAT) values[i] = view.getFloat32(at, true);
    else if (code === ONNX_DTYPE.DOUBLE) values[i] = view.getFloat64(at, true);
    else if (code === ONNX_DTYPE.INT32) values[i] = view.getInt32(at, true);
    else if (code === ONNX_DTYPE.INT64) values[i] = Number(view.getBigInt64(at, true));
    else values[i] = view.getUint8(at) === 0 ? 0 : 1;
  }
  return values;
}

/** The values of a TensorProto, checked against its dims; `what` names it in errors. */
export function readTensorProto(proto: TensorProto, what: string): HostTensor {
  const code = proto.dataType ?? 0;
  kindlingDType(code, what);
  if (proto.dataLocation === 1 || (proto.externalData?.length ?? 0) > 0) {
    throw new OnnxUnsupportedError('external data', `${what} keeps its data in an external file, which importOnnx does not read; save the model with its data inside (onnx.save_model(..., save_as_external_data=False))`);
  }
  const shape = (proto.dims ?? []).map(Number);
  const count = shapeSize(shape);
  let values: number[];
  if (proto.rawData !== undefined && proto.rawData.length > 0) values = rawValues(proto.rawData, code, count, what);
  else if (code === ONNX_DTYPE.FLOAT) values = proto.floatData ?? [];
  else if (code === ONNX_DTYPE.DOUBLE) values = proto.doubleData ?? [];
  else if (code === ONNX_DTYPE.INT64) values = proto.int64Data ?? [];
  else values = proto.int32Data ?? [];
  if (values.length !== count) throw new Error(`${what}: holds ${values.length} values but its dims [${shape.join(', ')}] need ${count}`);
  return { onnxType: code, shape, values };
}

/** A typed array of Kindling `dtype` holding `values`; int64 values outside int32's range are an error naming `what`. */
export function typedValues(values: readonly number[], dtype: DType, what: string): TypedArray {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'bool':
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
    case 'int32':
      return Int32Array.from(values, (v) => {
        if (!(v >= -(2 ** 31) && v < 2 ** 31)) throw new OnnxUnsupportedError('int64 beyond int32', `${what} holds ${v}, which does not fit Kindling's int32 (its int64 values are held as int32)`);
        return v;
      });
  }
}

/** An unsupported error when the backend `device` cannot hold `dtype` (webgpu has no float64). */
export function assertDeviceHolds(device: string, dtype: DType, what: string): void {
  const supported = findBackend(device).supportedDTypes;
  if (!supported.includes(dtype)) {
    throw new OnnxUnsupportedError(`dtype ${dtype} on ${device}`, `${what} is ${dtype}, which the backend '${device}' does not hold (it holds ${supported.join(', ')}); import the model on 'cpu' or 'workers'`);
  }
}

/** A host tensor as a Kindling tensor on `device`. */
export function hostToTensor(host: HostTensor, device: string, what: string): Tensor {
  const dtype = kindlingDType(host.onnxType, what);
  assertDeviceHolds(device, dtype, what);
  return fromValues(typedValues(host.values, dtype, what), host.shape, device);
}

function rawBytes(values: TypedArray): Uint8Array {
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

/** A TensorProto holding `values` (row-major) with `shape`; int32 as ONNX int32 unless `asInt64`. */
export function tensorProto(name: string, values: TypedArray, shape: readonly number[], dtype: DType, asInt64 = false): TensorProto {
  if (asInt64) {
    const wide = BigInt64Array.from(values, (v) => BigInt(v));
    return { name, dims: [...shape], dataType: ONNX_DTYPE.INT64, rawData: new Uint8Array(wide.buffer) };
  }
  return { name, dims: [...shape], dataType: onnxDType(dtype), rawData: rawBytes(values) };
}
