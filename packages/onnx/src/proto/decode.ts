import { viewAs, WIRE, WireReader } from './wire-reader.js';

/*
 * ONNX's messages decoded by field number, as protobufjs's `toObject` gave them (camelCase names,
 * int64 as numbers, repeated fields as arrays, absent scalars left out), except a TensorProto's
 * data: its numeric fields become typed arrays (int64 as BigInt64Array, exact) and raw_data a
 * view of the file's bytes, so a large model is never spread into arrays of JS numbers. Fields
 * the schema does not name are passed over, as protobuf readers do.
 */

/** Numeric data read into one typed array: packed runs are views or copies, never JS arrays. */
type TypedKind = 'float32[]' | 'float64[]' | 'int32[]' | 'int64[]' | 'uint64[]';
type ScalarKind = 'string' | 'bytes' | 'int' | 'float';
/** Small repeated numbers (dims, attribute lists) stay plain arrays. */
type ListKind = 'int list' | 'float list';
type Kind = ScalarKind | ListKind | TypedKind | (() => Schema);

interface Field {
  readonly name: string;
  readonly kind: Kind;
  readonly repeated?: boolean;
}

type Schema = Readonly<Record<number, Field>>;

const STRING_ENTRY: Schema = { 1: { name: 'key', kind: 'string' }, 2: { name: 'value', kind: 'string' } };

const TENSOR: Schema = {
  1: { name: 'dims', kind: 'int list' },
  2: { name: 'dataType', kind: 'int' },
  4: { name: 'floatData', kind: 'float32[]' },
  5: { name: 'int32Data', kind: 'int32[]' },
  6: { name: 'stringData', kind: 'bytes', repeated: true },
  7: { name: 'int64Data', kind: 'int64[]' },
  8: { name: 'name', kind: 'string' },
  9: { name: 'rawData', kind: 'bytes' },
  10: { name: 'doubleData', kind: 'float64[]' },
  11: { name: 'uint64Data', kind: 'uint64[]' },
  13: { name: 'externalData', kind: () => STRING_ENTRY, repeated: true },
  14: { name: 'dataLocation', kind: 'int' },
};

const DIMENSION: Schema = { 1: { name: 'dimValue', kind: 'int' }, 2: { name: 'dimParam', kind: 'string' } };
const SHAPE: Schema = { 1: { name: 'dim', kind: () => DIMENSION, repeated: true } };
const TENSOR_TYPE: Schema = { 1: { name: 'elemType', kind: 'int' }, 2: { name: 'shape', kind: () => SHAPE } };
/** Sequence, map and optional types are only named, to be refused. */
const OTHER_TYPE: Schema = {};

const TYPE: Schema = {
  1: { name: 'tensorType', kind: () => TENSOR_TYPE },
  4: { name: 'sequenceType', kind: () => OTHER_TYPE },
  5: { name: 'mapType', kind: () => OTHER_TYPE },
  8: { name: 'sparseTensorType', kind: () => OTHER_TYPE },
  9: { name: 'optionalType', kind: () => OTHER_TYPE },
};

const VALUE_INFO: Schema = { 1: { name: 'name', kind: 'string' }, 2: { name: 'type', kind: () => TYPE } };

const ATTRIBUTE: Schema = {
  1: { name: 'name', kind: 'string' },
  2: { name: 'f', kind: 'float' },
  3: { name: 'i', kind: 'int' },
  4: { name: 's', kind: 'bytes' },
  5: { name: 't', kind: () => TENSOR },
  6: { name: 'g', kind: () => GRAPH },
  7: { name: 'floats', kind: 'float list' },
  8: { name: 'ints', kind: 'int list' },
  9: { name: 'strings', kind: 'bytes', repeated: true },
  10: { name: 'tensors', kind: () => TENSOR, repeated: true },
  11: { name: 'graphs', kind: () => GRAPH, repeated: true },
  20: { name: 'type', kind: 'int' },
  21: { name: 'refAttrName', kind: 'string' },
};

const NODE: Schema = {
  1: { name: 'input', kind: 'string', repeated: true },
  2: { name: 'output', kind: 'string', repeated: true },
  3: { name: 'name', kind: 'string' },
  4: { name: 'opType', kind: 'string' },
  5: { name: 'attribute', kind: () => ATTRIBUTE, repeated: true },
  7: { name: 'domain', kind: 'string' },
};

const GRAPH: Schema = {
  1: { name: 'node', kind: () => NODE, repeated: true },
  2: { name: 'name', kind: 'string' },
  5: { name: 'initializer', kind: () => TENSOR, repeated: true },
  11: { name: 'input', kind: () => VALUE_INFO, repeated: true },
  12: { name: 'output', kind: () => VALUE_INFO, repeated: true },
  13: { name: 'valueInfo', kind: () => VALUE_INFO, repeated: true },
  15: { name: 'sparseInitializer', kind: () => OTHER_TYPE, repeated: true },
};

const OPSET: Schema = { 1: { name: 'domain', kind: 'string' }, 2: { name: 'version', kind: 'int' } };

const MODEL: Schema = {
  1: { name: 'irVersion', kind: 'int' },
  2: { name: 'producerName', kind: 'string' },
  3: { name: 'producerVersion', kind: 'string' },
  4: { name: 'domain', kind: 'string' },
  5: { name: 'modelVersion', kind: 'int' },
  7: { name: 'graph', kind: () => GRAPH },
  8: { name: 'opsetImport', kind: () => OPSET, repeated: true },
};

export const SCHEMAS = { ModelProto: MODEL, TensorProto: TENSOR } as const;

/**
 * Byte fields and data runs shorter than this are copied, so that what a model keeps (attributes,
 * names, small constants) does not pin the whole file's bytes in memory; longer ones (initializer
 * data, read once into tensors) stay views.
 */
const COPY_BELOW_BYTES = 1 << 16;

function ownedIfSmall<T extends Uint8Array | Float32Array | Float64Array>(view: T): T {
  return view.byteLength < COPY_BELOW_BYTES ? (view.slice() as T) : view;
}

/** The wire type each kind is written with when it is not packed. */
function elementWireType(kind: ScalarKind | ListKind | TypedKind): number {
  if (kind === 'float' || kind === 'float list' || kind === 'float32[]') return WIRE.FIXED32;
  if (kind === 'float64[]') return WIRE.FIXED64;
  if (kind === 'string' || kind === 'bytes') return WIRE.LENGTH_DELIMITED;
  return WIRE.VARINT;
}

/** One element of a repeated numeric field written unpacked (or a packed run's element). */
function readNumber(reader: WireReader, kind: ListKind | TypedKind): number | bigint {
  if (kind === 'float list' || kind === 'float32[]') return reader.float();
  if (kind === 'float64[]') return reader.double();
  if (kind === 'int64[]') return reader.bigint();
  if (kind === 'uint64[]') return BigInt.asUintN(64, reader.bigint());
  return reader.int();
}

const TYPED_ARRAYS = { 'float32[]': Float32Array, 'float64[]': Float64Array, 'int32[]': Int32Array, 'int64[]': BigInt64Array, 'uint64[]': BigUint64Array } as const;

/** How many varints a packed run holds: each ends with the one byte of it below 0x80. */
function varintCount(run: Uint8Array): number {
  let count = 0;
  for (const byte of run) if (byte < 0x80) count++;
  return count;
}

/** A typed field's runs (packed byte views, or elements written one by one) as one typed array. */
function typedArray(kind: TypedKind, runs: readonly (Uint8Array | number | bigint)[], what: string): ArrayLike<number | bigint> {
  const fixedWidth = (run: Uint8Array): Float32Array | Float64Array | Uint8Array => {
    if (kind === 'float32[]') return viewAs(Float32Array, run, what);
    return kind === 'float64[]' ? viewAs(Float64Array, run, what) : run;
  };
  const parts = runs.map((run) => (run instanceof Uint8Array ? fixedWidth(run) : run));
  const only = parts[0];
  if (parts.length === 1 && (only instanceof Float32Array || only instanceof Float64Array)) return ownedIfSmall(only);
  const count = parts.reduce<number>((n, part) => n + (typeof part === 'object' ? (part instanceof Uint8Array ? varintCount(part) : part.length) : 1), 0);
  // One array of the field's type; the parts fit it by construction (floats into float arrays, varints read as its kind).
  const result = new TYPED_ARRAYS[kind](count) as unknown as { [i: number]: number | bigint; readonly length: number; set(values: ArrayLike<number>, at: number): void };
  let at = 0;
  for (const part of parts) {
    if (typeof part !== 'object') result[at++] = part;
    else if (!(part instanceof Uint8Array)) {
      result.set(part, at);
      at += part.length;
    } else for (const reader = new WireReader(part); !reader.done; ) result[at++] = readNumber(reader, kind);
  }
  return result;
}

function readScalar(reader: WireReader, kind: ScalarKind): unknown {
  if (kind === 'string') return reader.string();
  if (kind === 'bytes') return ownedIfSmall(reader.bytesView());
  if (kind === 'float') return reader.float();
  return reader.int();
}

/** Decodes the message `reader` holds by `schema`; `path` names it in errors. */
export function decodeMessage(reader: WireReader, schema: Schema, path: string): Record<string, unknown> {
  const message: Record<string, unknown> = {};
  const runs = new Map<Field, (Uint8Array | number | bigint)[]>();
  for (const field of Object.values(schema)) if (field.repeated || field.kind === 'int list' || field.kind === 'float list') message[field.name] = [];
  while (!reader.done) {
    const [number, wireType] = reader.tag();
    const field = schema[number];
    if (field === undefined) {
      reader.skip(wireType);
      continue;
    }
    const where = `${path}.${field.name}`;
    if (typeof field.kind === 'function') {
      if (wireType !== WIRE.LENGTH_DELIMITED) throw new Error(`${where} has wire type ${wireType}, not an embedded message`);
      const decoded = decodeMessage(reader.message(), field.kind(), where);
      if (field.repeated) (message[field.name] as unknown[]).push(decoded);
      else message[field.name] = decoded;
      continue;
    }
    const kind = field.kind;
    const repeatedNumbers = kind === 'int list' || kind === 'float list' || kind.endsWith('[]');
    const packed = repeatedNumbers && wireType === WIRE.LENGTH_DELIMITED;
    if (!packed && wireType !== elementWireType(kind)) throw new Error(`${where} has wire type ${wireType}, where ${kind} is written with ${elementWireType(kind)}`);
    if (kind === 'int list' || kind === 'float list') {
      const list = message[field.name] as number[];
      if (!packed) list.push(readNumber(reader, kind) as number);
      else for (const run = reader.message(); !run.done; ) list.push(readNumber(run, kind) as number);
    } else if (kind.endsWith('[]')) {
      const fieldRuns = runs.get(field) ?? [];
      runs.set(field, fieldRuns);
      fieldRuns.push(packed ? reader.bytesView() : readNumber(reader, kind as TypedKind));
    } else if (field.repeated) (message[field.name] as unknown[]).push(readScalar(reader, kind as ScalarKind));
    else message[field.name] = readScalar(reader, kind as ScalarKind);
  }
  for (const [field, fieldRuns] of runs) message[field.name] = typedArray(field.kind as TypedKind, fieldRuns, `${path}.${field.name}`);
  return message;
}
