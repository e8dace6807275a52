import protobuf from 'protobufjs';
import { decodeMessage, SCHEMAS } from './decode.js';
import { ONNX_PROTO_SCHEMA } from './onnx-schema.js';
import { WireReader } from './wire-reader.js';

/*
 * ONNX's messages as decode.ts reads them and protobufjs writes them (camelCase fields, int64 as
 * numbers, repeated fields always arrays, absent scalars left out), typed here for the fields
 * Kindling reads and writes. A decoded TensorProto's data fields are typed arrays (int64 exact,
 * as BigInt64Array) and its raw_data a view of the file's bytes; the writer takes plain arrays.
 */

export interface TensorProto {
  dims?: number[];
  dataType?: number;
  segment?: unknown;
  floatData?: Float32Array | number[];
  int32Data?: Int32Array | number[];
  stringData?: Uint8Array[];
  int64Data?: BigInt64Array | number[];
  name?: string;
  rawData?: Uint8Array;
  doubleData?: Float64Array | number[];
  uint64Data?: BigUint64Array | number[];
  dataLocation?: number;
  externalData?: { key?: string; value?: string }[];
}

export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  refAttrName?: string;
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: AttributeProto[];
}

export interface DimensionProto {
  dimValue?: number;
  dimParam?: string;
}

export interface TypeProto {
  tensorType?: { elemType?: number; shape?: { dim?: DimensionProto[] } };
  sequenceType?: unknown;
  mapType?: unknown;
  optionalType?: unknown;
  sparseTensorType?: unknown;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  docString?: string;
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparseInitializer?: unknown[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
}

export interface OperatorSetIdProto {
  domain?: string;
  version?: number;
}

export interface ModelProto {
  irVersion?: number;
  opsetImport?: OperatorSetIdProto[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  functions?: unknown[];
}

/** ONNX's TensorProto.DataType codes that Kindling meets. */
export const ONNX_DTYPE = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

/** ONNX's AttributeProto.AttributeType codes. */
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 } as const;

let schema: protobuf.Root | undefined;

function messageType(name: 'ModelProto'): protobuf.Type {
  schema ??= protobuf.parse(ONNX_PROTO_SCHEMA).root;
  return schema.lookupType(`onnx.${name}`);
}

function decode<T>(name: keyof typeof SCHEMAS, bytes: Uint8Array, what: string): T {
  try {
    return decodeMessage(new WireReader(bytes), SCHEMAS[name], name) as T;
  } catch (error) {
    throw new Error(`${what}: the ${bytes.length} bytes are not an ONNX ${name} (${(error as Error).message})`);
  }
}

/** Decodes a serialized ModelProto (a `.onnx` file). */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return decode<ModelProto>('ModelProto', bytes, 'importOnnx');
}

/** Decodes a serialized TensorProto (a conformance case's `input_0.pb`, say). */
export function decodeTensor(bytes: Uint8Array): TensorProto {
  return decode<TensorProto>('TensorProto', bytes, 'readTensorProto');
}

/** Serializes a ModelProto. */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = messageType('ModelProto');
  return type.encode(type.fromObject(model as Record<string, unknown>)).finish();
}
