import { createHash } from 'node:crypto';
import { readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChecksumError, defaultCacheDir, MNIST_FILE_NAMES, mnistPackageDir, MnistNotFoundError, readDataSets, resolveMnistFiles, type SourceKind } from '../src/index.js';
import { idxLabels, temporaryDir, writeMiniMnist } from './fixtures.js';

// The network is never touched here: every test lists its sources or has the package to fall back on.
const OFFLINE: readonly SourceKind[] = ['dir', 'cache', 'package'];

describe('resolveMnistFiles', () => {
  let root: { dir: string; remove: () => void };
  let userDir: string;
  let cacheDir: string;

  beforeEach(() => {
    root = temporaryDir();
    userDir = join(root.dir, 'user');
    cacheDir = join(root.dir, 'cache');
    vi.stubEnv('KINDLING_MNIST_DIR', undefined);
    vi.stubEnv('XDG_CACHE_HOME', join(root.dir, 'xdg'));
  });

  afterEach(() => {
    vi.unstubAllEnvs();
    root.remove();
  });

  it('prefers the named directory over the cache, and the cache over the package', async () => {
    writeMiniMnist(userDir);
    writeMiniMnist(cacheDir);
    expect(await resolveMnistFiles({ dir: userDir, cacheDir, sources: OFFLINE })).toMatchObject({ source: 'dir', dir: userDir });
    expect(await resolveMnistFiles({ cacheDir, sources: OFFLINE })).toMatchObject({ source: 'cache', dir: cacheDir });
    const fromPackage = await resolveMnistFiles({ cacheDir: join(root.dir, 'empty'), sources: OFFLINE });
    expect(fromPackage.source).toBe('package');
    expect(fromPackage.dir).toBe(mnistPackageDir());
  });

  it('takes the directory from KINDLING_MNIST_DIR, the dir option winning over it', async () => {
    writeMiniMnist(userDir);
    vi.stubEnv('KINDLING_MNIST_DIR', userDir);
    expect(await resolveMnistFiles({ cacheDir, sources: OFFLINE })).toMatchObject({ source: 'dir', dir: userDir });
    const other = join(root.dir, 'other');
    writeMiniMnist(other, { gzip: true });
    const files = await resolveMnistFiles({ dir: other, cacheDir, sources: OFFLINE });
    expect(files).toMatchObject({ source: 'dir', dir: other });
    expect(files.paths['t10k-labels-idx1-ubyte']).toBe(join(other, 't10k-labels-idx1-ubyte.gz'));
  });

  it('puts the cache under XDG_CACHE_HOME, or ~/.cache when that is unset or relative', async () => {
    const xdg = join(root.dir, 'xdg');
    expect(defaultCacheDir()).toBe(join(xdg, 'kindling', 'mnist'));
    writeMiniMnist(join(xdg, 'kindling', 'mnist'));
    expect(await resolveMnistFiles({ sources: OFFLINE })).toMatchObject({ source: 'cache', dir: join(xdg, 'kindling', 'mnist') });
    expect(defaultCacheDir({})).toMatch(/\.cache[/\\]kindling[/\\]mnist$/);
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative/path' })).not.toContain('relative');
  });

  it('never replaces a named directory that lacks some of the files by another source', async () => {
    writeMiniMnist(userDir);
    writeMiniMnist(cacheDir);
    rmSync(join(userDir, 'train-labels-idx1-ubyte'));
    const headline = 'the MNIST directory you named cannot be used (other sources are tried only when none is named):';
    await expect(resolveMnistFiles({ dir: userDir, cacheDir, sources: OFFLINE })).rejects.toThrow(`${headline}\n  - dir ${userDir}: missing train-labels-idx1-ubyte[.gz]`);
    vi.stubEnv('KINDLING_MNIST_DIR', userDir);
    await expect(resolveMnistFiles({ cacheDir, sources: OFFLINE })).rejects.toThrow(`dir ${userDir} (from KINDLING_MNIST_DIR): missing train-labels-idx1-ubyte[.gz]`);
    vi.stubEnv('KINDLING_MNIST_DIR', join(root.dir, 'nowhere'));
    await expect(readDataSets({ cacheDir })).rejects.toThrow(`${headline}\n  - dir ${join(root.dir, 'nowhere')} (from KINDLING_MNIST_DIR): not a directory`);
    // With nothing named, the fallback chain applies.
    vi.stubEnv('KINDLING_MNIST_DIR', '');
    expect(await resolveMnistFiles({ cacheDir, sources: OFFLINE })).toMatchObject({ source: 'cache' });
  });

  it('lists every source tried and why when none has the files', async () => {
    const error = await resolveMnistFiles({ cacheDir, sources: ['dir', 'cache'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MnistNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain('dir: none named (pass the dir option or set KINDLING_MNIST_DIR)');
    expect(message).toContain(`cache ${cacheDir}: does not exist yet`);
    writeMiniMnist(cacheDir);
    rmSync(join(cacheDir, 't10k-images-idx3-ubyte'));
    await expect(resolveMnistFiles({ cacheDir, sources: ['cache'] })).rejects.toThrow('missing t10k-images-idx3-ubyte[.gz]');
  });
});

describe('readDataSets from a directory', () => {
  let root: { dir: string; remove: () => void };
  beforeEach(() => (root = temporaryDir()));
  afterEach(() => root.remove());

  it('splits the first validationSize training examples off as the validation set', async () => {
    writeMiniMnist(root.dir, { gzip: true, trainCount: 12, testCount: 6 });
    const sets = await readDataSets({ dir: root.dir, validationSize: 4, seed: 0, sources: ['dir'], verify: false });
    expect([sets.train.numExamples, sets.validation.numExamples, sets.test.numExamples]).toEqual([8, 4, 6]);
    expect([sets.train.rows, sets.train.cols]).toEqual([4, 4]);
    expect(Array.from(sets.validation.labels().dataSync())).toEqual([0, 1, 2, 3]);
    expect(Array.from(sets.train.labels().dataSync())).toEqual([4, 5, 6, 7, 8, 9, 0, 1]);
    // Pixel p of training example i is (7i + p) % 256: the first training example is file example 4.
    expect(sets.train.images().dataSync()[0]).toBeCloseTo(28 / 255, 6);
    await expect(readDataSets({ dir: root.dir, validationSize: 13, sources: ['dir'], verify: false })).rejects.toThrow(/validationSize must be an integer from 0 to 12/);
  });

  it('names the file when one is corrupt instead of loading less', async () => {
    writeMiniMnist(root.dir);
    truncateSync(join(root.dir, 't10k-images-idx3-ubyte'), 40);
    await expect(readDataSets({ dir: root.dir, sources: ['dir'], verify: false })).rejects.toThrow(
      `${join(root.dir, 't10k-images-idx3-ubyte')}: expected 112 bytes for 6 images of 4×4, found 40; the file is truncated`,
    );
  });

  it('range-checks the labels', async () => {
    writeMiniMnist(root.dir);
    const labels = idxLabels([1, 2, 200, 3, 4, 5]);
    writeFileSync(join(root.dir, 't10k-labels-idx1-ubyte'), labels);
    await expect(readDataSets({ dir: root.dir, verify: false })).rejects.toThrow(
      `${join(root.dir, 't10k-labels-idx1-ubyte')}: label 200 of example 2 is outside the 10 classes (0 to 9); the file is corrupt or not MNIST`,
    );
    expect((await readDataSets({ dir: root.dir, verify: false, numClasses: 201, validationSize: 2 })).test.numExamples).toBe(6);
  });
});

describe('readDataSets verifies local files', () => {
  let root: { dir: string; remove: () => void };
  let dataDir: string;
  let cacheDir: string;
  const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
  beforeEach(() => {
    root = temporaryDir();
    dataDir = join(root.dir, 'data');
    cacheDir = join(root.dir, 'cache');
    writeMiniMnist(dataDir);
  });
  afterEach(() => root.remove());

  it('against the known SHA-256, unless told not to', async () => {
    const error = await readDataSets({ dir: dataDir, cacheDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksumError);
    expect((error as Error).message).toMatch(/: the SHA-256 of its data is [0-9a-f]{64}, expected [0-9a-f]{64}; the file is corrupt or not the original MNIST/);
    expect((error as Error).message).toContain('pass verify: false');
    expect((await readDataSets({ dir: dataDir, cacheDir, verify: false, validationSize: 2 })).train.numExamples).toBe(10);
  });

  it('once, remembering the size and modification time of each file found intact', async () => {
    const checksums = Object.fromEntries(MNIST_FILE_NAMES.map((name) => [name, sha256(join(dataDir, name))]));
    const labelsPath = join(dataDir, 't10k-labels-idx1-ubyte');
    const mtime = new Date('2024-01-01T00:00:00Z'); // whole seconds, so that it can be set again exactly
    utimesSync(labelsPath, mtime, mtime);
    await readDataSets({ dir: dataDir, cacheDir, checksums, validationSize: 2 });
    const record = JSON.parse(readFileSync(join(cacheDir, 'verified.json'), 'utf8')) as Record<string, { size: number }>;
    expect(record[labelsPath]).toMatchObject({ size: 14, sha256: checksums['t10k-labels-idx1-ubyte'] });
    // Same size and modification time: not hashed again (so this edit, which keeps both, goes unseen).
    writeFileSync(labelsPath, idxLabels([9, 8, 7, 6, 5, 4]));
    utimesSync(labelsPath, mtime, mtime);
    expect(Array.from((await readDataSets({ dir: dataDir, cacheDir, checksums, validationSize: 2 })).test.labels().dataSync())).toEqual([9, 8, 7, 6, 5, 4]);
    // A new modification time: checked again, and the edit is caught.
    utimesSync(labelsPath, new Date(), new Date(Date.now() + 5000));
    await expect(readDataSets({ dir: dataDir, cacheDir, checksums })).rejects.toThrow(`${labelsPath}: the SHA-256 of its data is`);
  });
});
