import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IdxFormatError, isGzip, parseIdxImages, parseIdxLabels, parseIdxPair } from '../src/index.js';
import { idxImages, idxLabels } from './fixtures.js';

const IMAGES = 'train-images-idx3-ubyte';
const LABELS = 'train-labels-idx1-ubyte';

describe('parseIdxImages', () => {
  it('reads the dimensions and pixels of a raw file without copying', () => {
    const file = idxImages(3, 2, 5);
    const parsed = parseIdxImages(file, IMAGES);
    expect(parsed).toMatchObject({ count: 3, rows: 2, cols: 5 });
    expect(parsed.pixels.length).toBe(30);
    expect(Array.from(parsed.pixels.subarray(10, 13))).toEqual([7, 8, 9]);
    expect(parsed.pixels.buffer).toBe(file.buffer);
  });

  it('reads a gzip file the same as the raw one', () => {
    const raw = idxImages(4, 3, 3);
    const gz = gzipSync(raw);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(raw)).toBe(false);
    expect(Array.from(parseIdxImages(gz, `${IMAGES}.gz`).pixels)).toEqual(Array.from(parseIdxImages(raw, IMAGES).pixels));
  });

  it('rejects a wrong magic number, naming the file and the expected magic', () => {
    const file = idxImages(2, 2, 2);
    file.writeUInt32BE(0x00000802, 0);
    expect(() => parseIdxImages(file, IMAGES)).toThrow(IdxFormatError);
    expect(() => parseIdxImages(file, IMAGES)).toThrow(
      `${IMAGES}: magic number 0x00000802 is not an IDX file of unsigned bytes in 3 dimensions (expected 0x00000803 for images)`,
    );
    expect(() => parseIdxImages(idxLabels([1, 2]), IMAGES)).toThrow('magic number 0x00000801');
  });

  it('rejects a truncated file with the byte counts, as for the real training images', () => {
    const header = idxImages(0, 28, 28);
    header.writeUInt32BE(60000, 4);
    const truncated = Buffer.concat([header, Buffer.alloc(60000 * 784 - 16)]);
    expect(() => parseIdxImages(truncated, IMAGES)).toThrow(
      `${IMAGES}: expected 47040016 bytes for 60000 images of 28×28, found 47040000; the file is truncated — delete it and let Kindling fetch it again`,
    );
  });

  it('rejects a file cut inside its header, or with bytes after the last image', () => {
    expect(() => parseIdxImages(idxImages(1, 2, 2).subarray(0, 10), IMAGES)).toThrow(/10 bytes, shorter than the 16-byte header.*truncated/);
    expect(() => parseIdxImages(idxImages(1, 2, 2).subarray(0, 2), IMAGES)).toThrow(/2 bytes, too short/);
    expect(() => parseIdxImages(Buffer.concat([idxImages(1, 2, 2), Buffer.alloc(3)]), IMAGES)).toThrow(/expected 20 bytes .* found 23; the file has 3 unexpected trailing bytes/);
  });

  it('rejects a truncated or corrupt gzip file instead of parsing what it could inflate', () => {
    const gz = gzipSync(idxImages(50, 4, 4));
    expect(() => parseIdxImages(gz.subarray(0, gz.length - 20), `${IMAGES}.gz`)).toThrow(/^train-images-idx3-ubyte\.gz: the gzip data is corrupt or truncated/);
    const corrupt = Buffer.from(gz);
    corrupt[gz.length - 6] = (corrupt[gz.length - 6] as number) ^ 0xff; // inside the CRC-32 / length trailer
    expect(() => parseIdxImages(corrupt, `${IMAGES}.gz`)).toThrow(IdxFormatError);
  });

  it('stops inflating a gzip bomb at the size its header declares', () => {
    // An honest header for 1,000 images of 28×28 (784,016 bytes), then 64 MiB of zeros.
    const header = idxImages(1000, 28, 28).subarray(0, 16);
    const bomb = gzipSync(Buffer.concat([header, Buffer.alloc(64 * 2 ** 20)]), { level: 9 });
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => parseIdxImages(bomb, `${IMAGES}.gz`)).toThrow(
      'train-images-idx3-ubyte.gz: the gzip data inflates to more than the 784016 bytes its IDX header declares; decompression was stopped there (a corrupt file or a decompression bomb)',
    );
  });

  it('rejects a header that declares more than the gzip data can hold', () => {
    const header = idxImages(1, 28, 28).subarray(0, 16);
    header.writeUInt32BE(0xffffffff, 4);
    expect(() => parseIdxImages(gzipSync(header), `${IMAGES}.gz`)).toThrow(
      /^train-images-idx3-ubyte\.gz: the IDX header declares 3367254359296 bytes, more than \d+ bytes of gzip data can hold or than fit in memory; the header is corrupt/,
    );
  });
});

describe('parseIdxLabels', () => {
  it('reads raw and gzip label files', () => {
    expect(Array.from(parseIdxLabels(idxLabels([5, 0, 4]), LABELS).labels)).toEqual([5, 0, 4]);
    expect(parseIdxLabels(gzipSync(idxLabels([1, 2, 3, 4])), LABELS).count).toBe(4);
  });

  it('rejects a wrong magic number and a truncated file', () => {
    expect(() => parseIdxLabels(idxImages(1, 1, 1), LABELS)).toThrow(`${LABELS}: magic number 0x00000803 is not an IDX file of unsigned bytes in 1 dimension (expected 0x00000801 for labels)`);
    expect(() => parseIdxLabels(idxLabels([1, 2, 3]).subarray(0, 10), LABELS)).toThrow(
      `${LABELS}: expected 11 bytes for 3 labels, found 10; the file is truncated — delete it and let Kindling fetch it again`,
    );
  });
});

describe('parseIdxPair', () => {
  it('joins images and labels that describe the same examples', () => {
    const pair = parseIdxPair(idxImages(3, 2, 2), IMAGES, idxLabels([7, 8, 9]), LABELS);
    expect(pair.count).toBe(3);
    expect(Array.from(pair.labels)).toEqual([7, 8, 9]);
  });

  it('rejects an image count that does not match the label count', () => {
    expect(() => parseIdxPair(idxImages(3, 2, 2), IMAGES, idxLabels([7, 8]), LABELS)).toThrow(
      `${IMAGES}: has 3 images but ${LABELS} has 2 labels`,
    );
  });
});
