import { rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultCacheDir, mnistPackageDir, MnistNotFoundError, readDataSets, resolveMnistFiles, type SourceKind } from '../src/index.js';
import { temporaryDir, writeMiniMnist } from './fixtures.js';

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

  it('skips a directory that lacks some of the files rather than mixing sources', async () => {
    writeMiniMnist(userDir);
    writeMiniMnist(cacheDir);
    rmSync(join(userDir, 'train-labels-idx1-ubyte'));
    expect(await resolveMnistFiles({ dir: userDir, cacheDir, sources: OFFLINE })).toMatchObject({ source: 'cache' });
  });

  it('lists every source tried and why when none has the files', async () => {
    const error = await resolveMnistFiles({ dir: join(root.dir, 'nowhere'), cacheDir, sources: ['dir', 'cache'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MnistNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain(`dir ${join(root.dir, 'nowhere')}: not a directory`);
    expect(message).toContain(`cache ${cacheDir}: does not exist yet`);
    writeMiniMnist(userDir);
    rmSync(join(userDir, 't10k-images-idx3-ubyte'));
    await expect(resolveMnistFiles({ dir: userDir, cacheDir, sources: ['dir'] })).rejects.toThrow('missing t10k-images-idx3-ubyte[.gz]');
  });
});

describe('readDataSets from a directory', () => {
  let root: { dir: string; remove: () => void };
  beforeEach(() => (root = temporaryDir()));
  afterEach(() => root.remove());

  it('splits the first validationSize training examples off as the validation set', async () => {
    writeMiniMnist(root.dir, { gzip: true, trainCount: 12, testCount: 6 });
    const sets = await readDataSets({ dir: root.dir, validationSize: 4, seed: 0, sources: ['dir'] });
    expect([sets.train.numExamples, sets.validation.numExamples, sets.test.numExamples]).toEqual([8, 4, 6]);
    expect([sets.train.rows, sets.train.cols]).toEqual([4, 4]);
    expect(Array.from(sets.validation.labels().dataSync())).toEqual([0, 1, 2, 3]);
    expect(Array.from(sets.train.labels().dataSync())).toEqual([4, 5, 6, 7, 8, 9, 0, 1]);
    // Pixel p of training example i is (7i + p) % 256: the first training example is file example 4.
    expect(sets.train.images().dataSync()[0]).toBeCloseTo(28 / 255, 6);
    await expect(readDataSets({ dir: root.dir, validationSize: 13, sources: ['dir'] })).rejects.toThrow(/validationSize must be an integer from 0 to 12/);
  });

  it('names the file when one is corrupt instead of loading less', async () => {
    writeMiniMnist(root.dir);
    truncateSync(join(root.dir, 't10k-images-idx3-ubyte'), 40);
    await expect(readDataSets({ dir: root.dir, sources: ['dir'] })).rejects.toThrow(
      `${join(root.dir, 't10k-images-idx3-ubyte')}: expected 112 bytes for 6 images of 4×4, found 40; the file is truncated`,
    );
  });
});
