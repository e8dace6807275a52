import buffer from 'node:buffer';
import { constants, gunzipSync } from 'node:zlib';

/**
 * IDX is the format of the original MNIST files: a 4-byte magic number (two zero bytes, a type code,
 * the number of dimensions), one big-endian uint32 per dimension, then the values in row-major
 * order. MNIST uses only unsigned bytes (type 0x08): 3 dimensions for images, 1 for labels.
 */
export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

/** The pixels of an IDX image file: `count` images of `rows`×`cols` unsigned bytes, row-major. */
export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** `count * rows * cols` bytes; a view into the file's buffer, not a copy. */
  pixels: Uint8Array;
}

/** The values of an IDX label file: one unsigned byte per example. */
export interface IdxLabels {
  count: number;
  /** A view into the file's buffer, not a copy. */
  labels: Uint8Array;
}

/** A parse failure; the message starts with the file name and says what is wrong. */
export class IdxFormatError extends Error {
  override name = 'IdxFormatError';
  constructor(
    readonly fileName: string,
    problem: string,
  ) {
    super(`${fileName}: ${problem}`);
  }
}

const REFETCH_HINT = 'delete it and let Kindling fetch it again';
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** Whether `bytes` starts with the gzip magic number (so `.gz` is not needed in the file name). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

// Deflate cannot expand data more than about 1032 times, so a header declaring more than this many
// bytes per compressed byte describes a file the gzip data cannot hold.
const MAX_DEFLATE_RATIO = 1032;
// Enough compressed bytes to inflate any IDX header (at most 4 + 4 * 255 bytes).
const HEADER_PROBE_BYTES = 4096;
// Bytes per value of each IDX type code: unsigned and signed byte, short, int, float, double.
const IDX_TYPE_BYTES: Readonly<Record<number, number>> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

/** The total size an IDX header declares (header included), or undefined if `prefix` does not hold a valid one. */
function declaredIdxBytes(prefix: Uint8Array): number | undefined {
  if (prefix.length < 4 || prefix[0] !== 0 || prefix[1] !== 0) return undefined;
  const valueBytes = IDX_TYPE_BYTES[prefix[2] as number];
  const dims = prefix[3] as number;
  const headerBytes = 4 + 4 * dims;
  if (valueBytes === undefined || prefix.length < headerBytes) return undefined;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  let size = valueBytes;
  for (let d = 0; d < dims; d++) size *= view.getUint32(4 + 4 * d);
  return headerBytes + size;
}

/**
 * The raw IDX bytes of a file that may be gzip-compressed. Decompression stops as soon as the output
 * exceeds the size the IDX header declares, so a small file that inflates to gigabytes (a
 * decompression bomb) is an error after at most that many bytes, not an exhausted memory.
 */
export function decompressIfGzip(bytes: Uint8Array, fileName: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const fail = (reason: string) => new IdxFormatError(fileName, `the gzip data is corrupt or truncated (${reason}); ${REFETCH_HINT}`);
  let prefix: Uint8Array;
  try {
    // A sync flush returns what the first bytes inflate to, without asking for the rest of the stream.
    prefix = gunzipSync(bytes.subarray(0, HEADER_PROBE_BYTES), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error));
  }
  const declared = declaredIdxBytes(prefix);
  // Without a valid header there is nothing to inflate to; the header check reports what is wrong.
  if (declared === undefined) return prefix;
  const ceiling = MAX_DEFLATE_RATIO * bytes.length + HEADER_PROBE_BYTES;
  if (declared > Math.min(ceiling, buffer.constants.MAX_LENGTH)) {
    throw new IdxFormatError(fileName, `the IDX header declares ${declared} bytes, more than ${bytes.length} bytes of gzip data can hold or than fit in memory; the header is corrupt — ${REFETCH_HINT}`);
  }
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.max(declared, 1) });
  } catch (error) {
    if (error instanceof RangeError || (error instanceof Error && 'code' in error && error.code === 'ERR_BUFFER_TOO_LARGE')) {
      throw new IdxFormatError(fileName, `the gzip data inflates to more than the ${declared} bytes its IDX header declares; decompression was stopped there (a corrupt file or a decompression bomb) — ${REFETCH_HINT}`);
    }
    throw fail(error instanceof Error ? error.message : String(error));
  }
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function readHeader(bytes: Uint8Array, fileName: string, expectedMagic: number, what: string): number[] {
  const dims = expectedMagic & 0xff;
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < 4) {
    throw new IdxFormatError(fileName, `the file is ${bytes.length} bytes, too short for an IDX magic number; the file is truncated — ${REFETCH_HINT}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    throw new IdxFormatError(fileName, `magic number ${hex32(magic)} is not an IDX file of unsigned bytes in ${dims} dimension${dims === 1 ? '' : 's'} (expected ${hex32(expectedMagic)} for ${what})`);
  }
  if (bytes.length < headerBytes) {
    throw new IdxFormatError(fileName, `the file is ${bytes.length} bytes, shorter than the ${headerBytes}-byte header of IDX ${what}; the file is truncated — ${REFETCH_HINT}`);
  }
  const extents: number[] = [];
  for (let d = 0; d < dims; d++) extents.push(view.getUint32(4 + 4 * d));
  return extents;
}

function checkLength(bytes: Uint8Array, fileName: string, expected: number, description: string): void {
  if (bytes.length === expected) return;
  const problem =
    bytes.length < expected
      ? `the file is truncated — ${REFETCH_HINT}`
      : `the file has ${bytes.length - expected} unexpected trailing bytes — ${REFETCH_HINT}`;
  throw new IdxFormatError(fileName, `expected ${expected} bytes for ${description}, found ${bytes.length}; ${problem}`);
}

/**
 * Parses an IDX image file (raw or gzip'd), checking the magic number and that the length matches
 * the dimensions exactly: a truncated file is an error, never a shorter dataset.
 *
 * @example
 * const { count, rows, cols, pixels } = parseIdxImages(readFileSync(path), 'train-images-idx3-ubyte');
 */
export function parseIdxImages(data: Uint8Array, fileName: string): IdxImages {
  const bytes = decompressIfGzip(data, fileName);
  const [count = 0, rows = 0, cols = 0] = readHeader(bytes, fileName, IDX_IMAGES_MAGIC, 'images');
  if (rows === 0 || cols === 0) throw new IdxFormatError(fileName, `images of ${rows}×${cols} pixels are empty; the header is corrupt — ${REFETCH_HINT}`);
  const expected = 16 + count * rows * cols;
  checkLength(bytes, fileName, expected, `${count} images of ${rows}×${cols}`);
  return { count, rows, cols, pixels: bytes.subarray(16, expected) };
}

/** Parses an IDX label file (raw or gzip'd) with the same checks as `parseIdxImages`. */
export function parseIdxLabels(data: Uint8Array, fileName: string): IdxLabels {
  const bytes = decompressIfGzip(data, fileName);
  const [count = 0] = readHeader(bytes, fileName, IDX_LABELS_MAGIC, 'labels');
  const expected = 8 + count;
  checkLength(bytes, fileName, expected, `${count} labels`);
  return { count, labels: bytes.subarray(8, expected) };
}

/** Images and labels from one pair of files, checked to describe the same number of examples. */
export interface IdxExamples extends IdxImages {
  labels: Uint8Array;
}

/** Parses an image file and its label file and checks that they hold the same number of examples. */
export function parseIdxPair(images: Uint8Array, imagesName: string, labels: Uint8Array, labelsName: string): IdxExamples {
  const parsedImages = parseIdxImages(images, imagesName);
  const parsedLabels = parseIdxLabels(labels, labelsName);
  if (parsedImages.count !== parsedLabels.count) {
    throw new IdxFormatError(
      imagesName,
      `has ${parsedImages.count} images but ${labelsName} has ${parsedLabels.count} labels; the two files must describe the same examples — delete both and let Kindling fetch them again`,
    );
  }
  return { ...parsedImages, labels: parsedLabels.labels };
}
