/*
 * Node-free: the browser entry parses with these too. Node's gzip inflation is in idx.ts.
 */

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

export const REFETCH_HINT = 'delete it and let Kindling fetch it again';
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** Whether `bytes` starts with the gzip magic number (so `.gz` is not needed in the file name). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

// Deflate cannot expand data more than about 1032 times, so a header declaring more than this many
// bytes per compressed byte describes a file the gzip data cannot hold.
const MAX_DEFLATE_RATIO = 1032;
/** Enough compressed bytes to inflate any IDX header (at most 4 + 4 * 255 bytes). */
export const HEADER_PROBE_BYTES = 4096;
// Bytes per value of each IDX type code: unsigned and signed byte, short, int, float, double.
const IDX_TYPE_BYTES: Readonly<Record<number, number>> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

/** The total size an IDX header declares (header included), or undefined if `prefix` does not hold a valid one. */
export function declaredIdxBytes(prefix: Uint8Array): number | undefined {
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
 * Throws unless the `declared` bytes of an IDX file could come from `compressedBytes` of gzip data
 * and fit in one buffer of at most `maxBytes`: a corrupt header (or a decompression bomb) is refused
 * before anything is inflated.
 */
export function checkDeclaredSize(declared: number, compressedBytes: number, maxBytes: number, fileName: string): void {
  const ceiling = MAX_DEFLATE_RATIO * compressedBytes + HEADER_PROBE_BYTES;
  if (declared > Math.min(ceiling, maxBytes)) {
    throw new IdxFormatError(fileName, `the IDX header declares ${declared} bytes, more than ${compressedBytes} bytes of gzip data can hold or than fit in memory; the header is corrupt — ${REFETCH_HINT}`);
  }
}

/** The gzip stream could not be inflated. */
export function corruptGzipError(fileName: string, reason: string): IdxFormatError {
  return new IdxFormatError(fileName, `the gzip data is corrupt or truncated (${reason}); ${REFETCH_HINT}`);
}

/** The gzip stream inflates past the size its IDX header declares, where inflating stopped. */
export function oversizedGzipError(fileName: string, declared: number): IdxFormatError {
  return new IdxFormatError(fileName, `the gzip data inflates to more than the ${declared} bytes its IDX header declares; decompression was stopped there (a corrupt file or a decompression bomb) — ${REFETCH_HINT}`);
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

/** Gzip'd bytes reach the parser only by mistake: they are inflated first (`gunzipIdx`, or Node's `decompressIfGzip`). */
function refuseGzip(bytes: Uint8Array, fileName: string): void {
  if (isGzip(bytes)) throw new IdxFormatError(fileName, 'the data is gzip-compressed; inflate it first (await gunzipIdx(bytes, fileName))');
}

/**
 * Parses the IDX bytes of an image file (already inflated), checking the magic number and that the
 * length matches the dimensions exactly: a truncated file is an error, never a shorter dataset.
 */
export function readIdxImages(bytes: Uint8Array, fileName: string): IdxImages {
  refuseGzip(bytes, fileName);
  const [count = 0, rows = 0, cols = 0] = readHeader(bytes, fileName, IDX_IMAGES_MAGIC, 'images');
  if (rows === 0 || cols === 0) throw new IdxFormatError(fileName, `images of ${rows}×${cols} pixels are empty; the header is corrupt — ${REFETCH_HINT}`);
  const expected = 16 + count * rows * cols;
  checkLength(bytes, fileName, expected, `${count} images of ${rows}×${cols}`);
  return { count, rows, cols, pixels: bytes.subarray(16, expected) };
}

/** Parses the IDX bytes of a label file (already inflated) with the same checks as `readIdxImages`. */
export function readIdxLabels(bytes: Uint8Array, fileName: string): IdxLabels {
  refuseGzip(bytes, fileName);
  const [count = 0] = readHeader(bytes, fileName, IDX_LABELS_MAGIC, 'labels');
  const expected = 8 + count;
  checkLength(bytes, fileName, expected, `${count} labels`);
  return { count, labels: bytes.subarray(8, expected) };
}

/** Images and labels from one pair of files, checked to describe the same number of examples. */
export interface IdxExamples extends IdxImages {
  labels: Uint8Array;
}

/** Parses an image file and its label file (already inflated) and checks that they hold the same number of examples. */
export function readIdxPair(images: Uint8Array, imagesName: string, labels: Uint8Array, labelsName: string): IdxExamples {
  const parsedImages = readIdxImages(images, imagesName);
  const parsedLabels = readIdxLabels(labels, labelsName);
  if (parsedImages.count !== parsedLabels.count) {
    throw new IdxFormatError(
      imagesName,
      `has ${parsedImages.count} images but ${labelsName} has ${parsedLabels.count} labels; the two files must describe the same examples — delete both and let Kindling fetch them again`,
    );
  }
  return { ...parsedImages, labels: parsedLabels.labels };
}
