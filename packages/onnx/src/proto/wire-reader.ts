/*
 * Protocol buffers' wire format, read straight from the bytes of a file. Length-delimited fields
 * come out as subarray views of those bytes, never copies, so a model's raw_data is read in place
 * however large it is.
 */

/** The wire types of protocol buffers' encoding. */
export const WIRE = { VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2, FIXED32: 5 } as const;

const UTF8 = new TextDecoder();

/** A cursor over the bytes of one message; each read checks that the bytes are there. */
export class WireReader {
  #pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.#pos = start;
  }

  get pos(): number {
    return this.#pos;
  }

  get done(): boolean {
    return this.#pos >= this.end;
  }

  private need(count: number): void {
    if (this.#pos + count > this.end) throw new Error(`a field at byte ${this.#pos} runs past the end of its message (byte ${this.end})`);
  }

  /** A varint as a two's complement 64-bit integer. */
  bigint(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      this.need(1);
      const byte = this.bytes[this.#pos++] as number;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asIntN(64, value);
    }
    throw new Error(`a varint at byte ${this.#pos} is longer than 10 bytes`);
  }

  /**
   * A varint (int32, int64, enum) as a number: exact to 2^53, as protobufjs's `longs: Number` gives
   * int64. Up to 7 bytes (49 bits) take the fast path; longer ones, negatives included, go through
   * BigInt.
   */
  int(): number {
    const start = this.#pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 7 && this.#pos < this.end; i++) {
      const byte = this.bytes[this.#pos++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    this.#pos = start;
    return Number(this.bigint());
  }

  /** The tag of the next field: its number and wire type. */
  tag(): [field: number, wireType: number] {
    const tag = this.int();
    return [Math.floor(tag / 8), tag & 7];
  }

  float(): number {
    this.need(4);
    const value = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.#pos, 4).getFloat32(0, true);
    this.#pos += 4;
    return value;
  }

  double(): number {
    this.need(8);
    const value = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.#pos, 8).getFloat64(0, true);
    this.#pos += 8;
    return value;
  }

  /** A length-delimited field's bytes, as a view. */
  bytesView(): Uint8Array {
    const length = this.int();
    this.need(length);
    const view = this.bytes.subarray(this.#pos, this.#pos + length);
    this.#pos += length;
    return view;
  }

  string(): string {
    return UTF8.decode(this.bytesView());
  }

  /** A reader over an embedded message's bytes. */
  message(): WireReader {
    const length = this.int();
    this.need(length);
    const reader = new WireReader(this.bytes, this.#pos, this.#pos + length);
    this.#pos += length;
    return reader;
  }

  /** Passes over a field of `wireType` that the schema does not name. */
  skip(wireType: number): void {
    if (wireType === WIRE.VARINT) this.bigint();
    else if (wireType === WIRE.FIXED64) this.advance(8);
    else if (wireType === WIRE.LENGTH_DELIMITED) this.bytesView();
    else if (wireType === WIRE.FIXED32) this.advance(4);
    else throw new Error(`wire type ${wireType} at byte ${this.#pos} is not one ONNX's messages use`);
  }

  private advance(count: number): void {
    this.need(count);
    this.#pos += count;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type FixedWidthArray = Float32Array | Float64Array | Int32Array | BigInt64Array;
interface FixedWidthConstructor<T extends FixedWidthArray> {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * Little-endian `bytes` as a typed array: a view where they are aligned for it (most raw_data is),
 * else one copy. Its length must be a whole number of elements; `what` names them in the error.
 */
export function viewAs<T extends FixedWidthArray>(Type: FixedWidthConstructor<T>, bytes: Uint8Array, what: string): T {
  const width = Type.BYTES_PER_ELEMENT;
  if (bytes.length % width !== 0) throw new Error(`${what}: ${bytes.length} bytes are not a whole number of ${width}-byte elements`);
  const count = bytes.length / width;
  if (LITTLE_ENDIAN && bytes.byteOffset % width === 0) return new Type(bytes.buffer, bytes.byteOffset, count);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  // ONNX stores every element little-endian; a big-endian host turns each one around.
  if (!LITTLE_ENDIAN) for (let at = 0; at < copy.length; at += width) copy.subarray(at, at + width).reverse();
  return new Type(copy.buffer, 0, count);
}
