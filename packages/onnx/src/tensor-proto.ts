import { findBackend, fromValues, shapeSize, type DType, type Tensor, type TypedArray } from '@kindling/tensor';
import { OnnxImportError, OnnxUnsupportedError } from './errors.js';
import { ONNX_DTYPE, type TensorProto } from './proto/proto.js';
import { viewAs } from './proto/wire-reader.js';

/*
 * TensorProto ↔ host values. Data is read as typed arrays, viewing the file's bytes where it can,
 * so a model of any size costs about its size once. Kindling has no int64: ONNX's int64 is read
 * exactly (BigInt64Array) and held as float64 numbers, exact to 2^53, where Shape, axes and index
 * values live; INT64_MAX, which Slice writes for "to the end", stays larger than any extent. It
 * becomes int32 only where a tensor needs it, with a range check then.
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

/** Values on the host: typed arrays as read from a file, small plain arrays for shapes computed while importing. */
export type HostValues = Float32Array | Float64Array | Int32Array | Uint8Array | readonly number[];

/** A tensor's values on the host, as ONNX stores them: element type, shape, numbers in row-major order (int64 as float64). */
export interface HostTensor {
  readonly onnxType: number;
  readonly shape: readonly number[];
  readonly values: HostValues;
}

const BYTES_PER_ELEMENT: Readonly<Record<number, number>> = { [ONNX_DTYPE.FLOAT]: 4, [ONNX_DTYPE.DOUBLE]: 8, [ONNX_DTYPE.INT32]: 4, [ONNX_DTYPE.INT64]: 8, [ONNX_DTYPE.BOOL]: 1 };

/** int64 read exactly, held as numbers: exact to 2^53, and past it still beyond any int32 or extent. */
function int64Numbers(values: BigInt64Array | readonly number[]): Float64Array {
  return values instanceof BigInt64Array ? Float64Array.from(values, Number) : Float64Array.from(values);
}

function rawValues(raw: Uint8Array, code: number, count: number, what: string): HostValues {
  const width = BYTES_PER_ELEMENT[code] as number;
  if (raw.byteLength !== count * width) throw new OnnxImportError(`${what}: raw_data holds ${raw.byteLength} bytes, but ${count} elements of ${onnxTypeName(code)} need ${count * width}; the file is damaged or was cut short`);
  if (code === ONNX_DTYPE.FLOAT) return viewAs(Float32Array, raw, what);
  if (code === ONNX_DTYPE.DOUBLE) return viewAs(Float64Array, raw, what);
  if (code === ONNX_DTYPE.INT32) return viewAs(Int32Array, raw, what);
  if (code === ONNX_DTYPE.INT64) return int64Numbers(viewAs(BigInt64Array, raw, what));
  return Uint8Array.from(raw, (v) => (v === 0 ? 0 : 1));
}

/** The typed-data field of a TensorProto that holds element type `code` (ONNX keeps bool and int32 in int32_data). */
function fieldValues(proto: TensorProto, code: number): HostValues {
  if (code === ONNX_DTYPE.FLOAT) return proto.floatData instanceof Float32Array ? proto.floatData : Float32Array.from(proto.floatData ?? []);
  if (code === ONNX_DTYPE.DOUBLE) return proto.doubleData instanceof Float64Array ? proto.doubleData : Float64Array.from(proto.doubleData ?? []);
  if (code === ONNX_DTYPE.INT64) return int64Numbers(proto.int64Data ?? []);
  const ints = proto.int32Data instanceof Int32Array ? proto.int32Data : Int32Array.from(proto.int32Data ?? []);
  return code === ONNX_DTYPE.BOOL ? Uint8Array.from(ints, (v) => (v === 0 ? 0 : 1)) : ints;
}

/**
 * `dims` checked as a shape, before anything is allocated for it: whole numbers, none negative,
 * whose product a float64 holds exactly. `what` names the value in the error.
 */
export function checkedShape(dims: readonly number[], what: string): number[] {
  const bad = dims.find((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad !== undefined) throw new OnnxImportError(`${what} has dims [${dims.join(', ')}]: ${bad} is not a size (every dim is a whole number, 0 or more); the file is damaged or was written wrongly, export it again`);
  const count = shapeSize(dims);
  if (!Number.isSafeInteger(count)) throw new OnnxImportError(`${what} has dims [${dims.join(', ')}], ${count} elements, more than any memory holds; the file is damaged or was written wrongly, export it again`);
  return [...dims];
}

/** The values of a TensorProto, checked against its dims; `what` names it in errors. */
export function readTensorProto(proto: TensorProto, what: string): HostTensor {
  const code = proto.dataType ?? 0;
  kindlingDType(code, what);
  if (proto.dataLocation === 1 || (proto.externalData?.length ?? 0) > 0) {
    throw new OnnxUnsupportedError('external data', `${what} keeps its data in an external file, which importOnnx does not read; save the model with its data inside (onnx.save_model(..., save_as_external_data=False))`);
  }
  const shape = checkedShape(proto.dims ?? [], what);
  const count = shapeSize(shape);
  const values = proto.rawData !== undefined && proto.rawData.length > 0 ? rawValues(proto.rawData, code, count, what) : fieldValues(proto, code);
  if (values.length !== count) throw new OnnxImportError(`${what}: holds ${values.length} values but its dims [${shape.join(', ')}] need ${count}; the file is damaged or was written wrongly`);
  return { onnxType: code, shape, values };
}

/**
 * A RangeError, before anything is allocated, when a tensor of ONNX element type `code` and
 * `shape` is more than the backend `device` can hold; `what` names it.
 */
export function assertFitsDevice(device: string, code: number, shape: readonly number[], what: string): void {
  const backend = findBackend(device);
  const limit = backend.tensorLimit;
  const dtype = kindlingDType(code, what);
  const elements = shapeSize(shape);
  const bytes = elements * (dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4);
  const overElements = limit?.maxElements !== undefined && elements > limit.maxElements;
  const overBytes = limit?.maxBytes !== undefined && bytes > limit.maxBytes;
  if (!overElements && !overBytes) return;
  const bound = overElements ? `${limit?.maxElements} elements` : `${limit?.maxBytes} bytes`;
  throw new RangeError(`importOnnx: ${what} is a ${dtype} tensor of shape [${shape.join(', ')}], ${elements} elements (${bytes} bytes), more than the backend '${device}' holds in one tensor: at most ${bound} (${limit?.reason}); import the model on a backend that holds it, or split the tensor`);
}

/** A typed array of Kindling `dtype` holding `values` (the same array where it already is one); int64 values outside int32's range are an error naming `what`. */
export function typedValues(values: HostValues, dtype: DType, what: string): TypedArray {
  switch (dtype) {
    case 'float32':
      return values instanceof Float32Array ? values : Float32Array.from(values);
    case 'float64':
      return values instanceof Float64Array ? values : Float64Array.from(values);
    case 'bool':
      return values instanceof Uint8Array ? values : Uint8Array.from(values, (v) => (v ? 1 : 0));
    case 'int32':
      return values instanceof Int32Array ? values : Int32Array.from(values, (v) => checkedInt32(v, what));
  }
}

/** `value` as an int32, never wrapped: one beyond int32's range is an error naming `what`. */
export function checkedInt32(value: number, what: string): number {
  if (!(value >= -(2 ** 31) && value < 2 ** 31)) throw new OnnxUnsupportedError('int64 beyond int32', `${what} holds ${value}, which does not fit Kindling's int32 (its int64 values are held as int32)`);
  return value;
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
