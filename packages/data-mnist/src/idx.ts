import buffer from 'node:buffer';
import { constants, gunzipSync } from 'node:zlib';
import {
  checkDeclaredSize,
  corruptGzipError,
  declaredIdxBytes,
  HEADER_PROBE_BYTES,
  isGzip,
  oversizedGzipError,
  readIdxImages,
  readIdxLabels,
  readIdxPair,
  type IdxExamples,
  type IdxImages,
  type IdxLabels,
} from './idx-format.js';

/**
 * The raw IDX bytes of a file that may be gzip-compressed. Decompression stops as soon as the output
 * exceeds the size the IDX header declares, so a small file that inflates to gigabytes (a
 * decompression bomb) is an error after at most that many bytes, not an exhausted memory.
 */
export function decompressIfGzip(bytes: Uint8Array, fileName: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  let prefix: Uint8Array;
  try {
    // A sync flush returns what the first bytes inflate to, without asking for the rest of the stream.
    prefix = gunzipSync(bytes.subarray(0, HEADER_PROBE_BYTES), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (error) {
    throw corruptGzipError(fileName, error instanceof Error ? error.message : String(error));
  }
  const declared = declaredIdxBytes(prefix);
  // Without a valid header there is nothing to inflate to; the header check reports what is wrong.
  if (declared === undefined) return prefix;
  checkDeclaredSize(declared, bytes.length, buffer.constants.MAX_LENGTH, fileName);
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.max(declared, 1) });
  } catch (error) {
    if (error instanceof RangeError || (error instanceof Error && 'code' in error && error.code === 'ERR_BUFFER_TOO_LARGE')) {
      throw oversizedGzipError(fileName, declared);
    }
    throw corruptGzipError(fileName, error instanceof Error ? error.message : String(error));
  }
}

/**
 * Parses an IDX image file (raw or gzip'd), checking the magic number and that the length matches
 * the dimensions exactly: a truncated file is an error, never a shorter dataset.
 *
 * @example
 * const { count, rows, cols, pixels } = parseIdxImages(readFileSync(path), 'train-images-idx3-ubyte');
 */
export function parseIdxImages(data: Uint8Array, fileName: string): IdxImages {
  return readIdxImages(decompressIfGzip(data, fileName), fileName);
}

/** Parses an IDX label file (raw or gzip'd) with the same checks as `parseIdxImages`. */
export function parseIdxLabels(data: Uint8Array, fileName: string): IdxLabels {
  return readIdxLabels(decompressIfGzip(data, fileName), fileName);
}

/** Parses an image file and its label file (raw or gzip'd) and checks that they hold the same number of examples. */
export function parseIdxPair(images: Uint8Array, imagesName: string, labels: Uint8Array, labelsName: string): IdxExamples {
  return readIdxPair(decompressIfGzip(images, imagesName), imagesName, decompressIfGzip(labels, labelsName), labelsName);
}
