import { formatShape, fromValues, type DType, type Tensor, type TypedArray } from '@kindling/tensor';

/*
 * The safetensors layout (Hugging Face's format, which PyTorch users share weights in):
 *
 *   [8 bytes]  N, the header's length, an unsigned little-endian 64-bit integer
 *   [N bytes]  a UTF-8 JSON object: {"<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
 *              plus an optional "__metadata__": {"<key>": "<string>"}; padded with spaces to a multiple of 8
 *   [rest]     the tensors' bytes, little-endian, row-major; offsets count from the byte after the header
 *
 * The reader checks what the reference reader checks (the offsets tile the data exactly, each span
 * matches its shape and dtype) so a file accepted here is one PyTorch's reader accepts too.
 */

/** The reference reader refuses larger headers; so do we, so a garbage length fails fast instead of allocating. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Tensor names and string metadata read from, or written to, a safetensors file. */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Kindling's dtypes and the safetensors names they are written as. */
const WRITE_NAMES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };

interface ReadRule {
  itemSize: number;
  /** The Kindling dtype the values are held in, and how the raw bytes become its typed array. */
  decode: (bytes: Uint8Array, name: string) => TypedArray;
}

/** A fresh, aligned copy: a tensor's offset in the file need not be a multiple of its item size. */
function copyBytes(bytes: Uint8Array): ArrayBuffer {
  // Not bytes.slice(): on a Node Buffer that is a view into a shared pool, not a copy.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

/** IEEE half precision to a JS number (subnormals, infinities and NaN included). */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/*
 * The dtypes Kindling can hold directly, plus the common storage types of shared checkpoints that
 * widen losslessly into them: F16 and BF16 into float32, and I64 into int32 when every value fits.
 */
const READ_RULES: Record<string, ReadRule> = {
  F32: { itemSize: 4, decode: (b) => new Float32Array(copyBytes(b)) },
  F64: { itemSize: 8, decode: (b) => new Float64Array(copyBytes(b)) },
  I32: { itemSize: 4, decode: (b) => new Int32Array(copyBytes(b)) },
  BOOL: { itemSize: 1, decode: (b) => Uint8Array.from(b, (v) => (v === 0 ? 0 : 1)) },
  F16: { itemSize: 2, decode: (b) => Float32Array.from(new Uint16Array(copyBytes(b)), halfToNumber) },
  // bfloat16 is the top half of a float32.
  BF16: { itemSize: 2, decode: (b) => new Float32Array(Uint32Array.from(new Uint16Array(copyBytes(b)), (v) => v << 16).buffer) },
  I64: {
    itemSize: 8,
    decode: (b, name) => {
      const wide = new BigInt64Array(copyBytes(b));
      const out = new Int32Array(wide.length);
      wide.forEach((v, i) => {
        if (v < -2147483648n || v > 2147483647n) {
          throw new Error(`tensor '${name}' has dtype I64 and holds ${v}, which does not fit Kindling's int32`);
        }
        out[i] = Number(v);
      });
      return out;
    },
  },
};

/** Every dtype name the format defines; the ones without a rule exist but cannot be held here. */
const KNOWN_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'];

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // Typed arrays use the host's byte order and the format is little-endian.
  throw new Error('@kindling/nn safetensors: this host is big-endian, which the safetensors reader and writer do not support');
}

/** The encoded header (padded to 8 bytes) and where each tensor's bytes go, in file order. */
export interface EncodedHeader {
  header: Uint8Array;
  order: [string, Tensor][];
}

/** The format stores metadata as strings only: anything else is refused before a byte is written, not when the file is read back. */
function checkMetadata(metadata: unknown): void {
  if (metadata === undefined) return;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new TypeError(`save: metadata must be an object of strings, such as { epoch: '3' }; got ${Array.isArray(metadata) ? 'an array' : String(metadata)}`);
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new TypeError(`save: metadata '${key}' is ${typeof value} (${String(value)}); safetensors metadata values are strings — pass String(value)`);
    }
  }
}

/**
 * Builds the header for `tensors`. Wider items come first (as the reference writer orders them) so
 * every tensor starts at a multiple of its item size; within one width the record's order is kept,
 * so a state dict reads back in definition order.
 */
export function encodeHeader(tensors: Readonly<Record<string, Tensor>>, metadata?: Readonly<Record<string, string>>): EncodedHeader {
  const itemSize = (t: Tensor): number => READ_RULES[WRITE_NAMES[t.dtype]]?.itemSize ?? 1;
  // Array.prototype.sort is stable, so equal widths keep the record's order.
  const order = Object.entries(tensors).sort(([, a], [, b]) => itemSize(b) - itemSize(a));
  checkMetadata(metadata);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  for (const [name, t] of order) {
    if (name === '__metadata__') throw new Error("save: '__metadata__' is reserved by the safetensors format and cannot name a tensor");
    t.assertUsable(`save (tensor '${name}')`);
    const bytes = t.numel() * itemSize(t);
    // defineProperty rather than assignment, so that a tensor named '__proto__' is still an own key.
    Object.defineProperty(header, name, {
      value: { dtype: WRITE_NAMES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes] },
      enumerable: true,
    });
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  const out = new Uint8Array(8 + padded.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded.length), true);
  out.set(padded, 8);
  return { header: out, order };
}

/** The bytes of one tensor as the format stores them. */
export async function tensorBytes(t: Tensor): Promise<Uint8Array> {
  const values = await t.data();
  // bool tensors are held as 0/1 bytes already, exactly the format's BOOL.
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** A whole safetensors file in memory. */
export async function serialize(tensors: Readonly<Record<string, Tensor>>, metadata?: Readonly<Record<string, string>>): Promise<Uint8Array> {
  const { header, order } = encodeHeader(tensors, metadata);
  const parts = [header, ...(await Promise.all(order.map(([, t]) => tensorBytes(t))))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

interface Entry {
  name: string;
  rule: ReadRule;
  shape: number[];
  begin: number;
  end: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseEntry(name: string, info: unknown, fail: (problem: string) => never): Entry {
  if (!isRecord(info)) fail(`the header entry for tensor '${name}' is not an object`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string') fail(`tensor '${name}' has no dtype string`);
  const rule = READ_RULES[dtype];
  if (rule === undefined) {
    fail(
      KNOWN_DTYPES.includes(dtype)
        ? `tensor '${name}' has dtype ${dtype}, which Kindling cannot hold (readable: ${Object.keys(READ_RULES).join(', ')})`
        : `tensor '${name}' has unknown dtype '${dtype}'`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}; expected a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}; expected [begin, end]`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`tensor '${name}' has data_offsets [${begin}, ${end}] that end before they begin`);
  const expected = shape.reduce((n: number, extent: number) => n * extent, 1) * rule.itemSize;
  if (expected !== end - begin) {
    fail(`tensor '${name}' has shape ${formatShape(shape)} and dtype ${dtype}, which take ${expected} bytes, but its data_offsets [${begin}, ${end}] span ${end - begin} bytes`);
  }
  return { name, rule, shape, begin, end };
}

function parseMetadata(value: unknown, fail: (problem: string) => never): Record<string, string> {
  if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    fail('__metadata__ must be an object whose values are all strings');
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

/**
 * Reads a safetensors file held in `bytes`; `source` (a path) names the file in every error.
 * Tensors come back in file order, on `device` (the current backend by default).
 */
export function deserialize(bytes: Uint8Array, source = '<buffer>', device?: string): SafetensorsContents {
  const fail = (problem: string): never => {
    throw new Error(`load: ${source}: ${problem}`);
  };
  if (bytes.length < 8) fail(`the file is truncated: it has ${bytes.length} bytes, fewer than the 8 that hold the header length`);
  const declared = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) fail(`the header length ${declared} exceeds the format's limit of ${MAX_HEADER_BYTES} bytes; this is not a safetensors file, or it is corrupt`);
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length) fail(`the file is truncated: the header length says ${headerLength} bytes but only ${bytes.length - 8} follow it`);

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('the header is not valid UTF-8; the file is corrupt or not a safetensors file');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    fail(`the header is not valid JSON (${error instanceof Error ? error.message : String(error)}); the file is corrupt or not a safetensors file`);
  }
  if (!isRecord(parsed)) fail('the header is not a JSON object');
  const header = parsed as Record<string, unknown>;

  const metadata = '__metadata__' in header ? parseMetadata(header['__metadata__'], fail) : {};
  const entries = Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, info]) => parseEntry(name, info, fail))
    .sort((a, b) => a.begin - b.begin || a.end - b.end);

  const dataLength = bytes.length - 8 - headerLength;
  let expectedBegin = 0;
  let previous: Entry | undefined;
  for (const entry of entries) {
    if (previous && entry.begin < expectedBegin) fail(`tensors '${previous.name}' and '${entry.name}' overlap: '${entry.name}' begins at byte ${entry.begin}, before '${previous.name}' ends at byte ${expectedBegin}`);
    if (entry.begin > expectedBegin) fail(`the data has a gap: bytes ${expectedBegin} to ${entry.begin} before tensor '${entry.name}' belong to no tensor`);
    if (entry.end > dataLength) fail(`the file is truncated: the header says tensor '${entry.name}' ends at byte ${entry.end} but the data has ${dataLength} bytes`);
    expectedBegin = entry.end;
    previous = entry;
  }
  if (expectedBegin !== dataLength) fail(`the file has ${dataLength - expectedBegin} bytes after the last tensor's data; the data_offsets must cover the data exactly`);

  const data = bytes.subarray(8 + headerLength);
  const tensors = Object.fromEntries(
    entries.map(({ name, rule, shape, begin, end }) => {
      let values: TypedArray;
      try {
        values = rule.decode(data.subarray(begin, end), name);
      } catch (error) {
        return fail(error instanceof Error ? error.message : String(error));
      }
      return [name, fromValues(values, shape, device)];
    }),
  );
  return { tensors, metadata };
}
