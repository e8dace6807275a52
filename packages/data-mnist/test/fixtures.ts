import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MNIST_FILES } from '../src/index.js';

/** A raw IDX image file; pixel p of image i is `(i * 7 + p) % 256` unless `pixel` says otherwise. */
export function idxImages(count: number, rows: number, cols: number, pixel = (i: number, p: number) => (i * 7 + p) % 256): Buffer {
  const bytes = Buffer.alloc(16 + count * rows * cols);
  bytes.writeUInt32BE(0x00000803, 0);
  bytes.writeUInt32BE(count, 4);
  bytes.writeUInt32BE(rows, 8);
  bytes.writeUInt32BE(cols, 12);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < rows * cols; p++) bytes[16 + i * rows * cols + p] = pixel(i, p);
  }
  return bytes;
}

/** A raw IDX label file. */
export function idxLabels(labels: readonly number[]): Buffer {
  const bytes = Buffer.alloc(8 + labels.length);
  bytes.writeUInt32BE(0x00000801, 0);
  bytes.writeUInt32BE(labels.length, 4);
  labels.forEach((label, i) => (bytes[8 + i] = label));
  return bytes;
}

/** The four MNIST files in miniature: `trainCount` and `testCount` examples of 4×4 pixels. */
export function miniMnist(trainCount = 12, testCount = 6): Record<string, Buffer> {
  const labels = (n: number, offset: number) => Array.from({ length: n }, (_, i) => (i + offset) % 10);
  return {
    [MNIST_FILES.trainImages]: idxImages(trainCount, 4, 4),
    [MNIST_FILES.trainLabels]: idxLabels(labels(trainCount, 0)),
    [MNIST_FILES.testImages]: idxImages(testCount, 4, 4, (i, p) => (255 - i - p) & 0xff),
    [MNIST_FILES.testLabels]: idxLabels(labels(testCount, 3)),
  };
}

/** Writes the files of `miniMnist` into `dir` (created), gzip'd as `<name>.gz` when asked. */
export function writeMiniMnist(dir: string, options: { gzip?: boolean; trainCount?: number; testCount?: number } = {}): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(miniMnist(options.trainCount, options.testCount))) {
    if (options.gzip) writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes));
    else writeFileSync(join(dir, name), bytes);
  }
}

/** A fresh temporary directory and a function that removes it. */
export function temporaryDir(prefix = 'kindling-mnist-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
