import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as browser from '../src/browser.js';
import { readDataSets } from '../src/index.js';
import { idxImages, idxLabels, miniMnist, temporaryDir, writeMiniMnist } from './fixtures.js';

const { ChecksumError, fetchDataSets, gunzipIdx, IdxFormatError, MNIST_FILE_NAMES, parseIdxImages } = browser;
const IMAGES = 'train-images-idx3-ubyte.gz';
const BASE = 'http://127.0.0.1:9/app/mnist/';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A `fetch` that answers from `bodies` (URL -> bytes) and 404s anything else, recording what was asked. */
function fakeFetch(bodies: Record<string, Uint8Array>) {
  const requested: string[] = [];
  const fetch = async (input: string | URL | Request): Promise<Response> => {
    const url = String(input);
    requested.push(url);
    const body = bodies[url];
    return body === undefined ? new Response('not found', { status: 404, statusText: 'Not Found' }) : new Response(body);
  };
  return { fetch: fetch as typeof globalThis.fetch, requested };
}

/** The mini MNIST files at `BASE`, gzip'd as `<name>.gz`, and their checksums. */
function servedMini(trainCount = 12, testCount = 6) {
  const files = miniMnist(trainCount, testCount);
  const bodies = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [`${BASE}${name}.gz`, gzipSync(bytes)]));
  const checksums = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, sha256(bytes)]));
  return { bodies, checksums };
}

/** Every module `file` imports, transitively, among the package's sources. */
function importGraph(file: URL, seen = new Set<string>()): Set<string> {
  if (seen.has(file.href)) return seen;
  seen.add(file.href);
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) {
    if (specifier?.startsWith('.')) importGraph(new URL(specifier.replace(/\.js$/, '.ts'), file), seen);
    else seen.add(specifier ?? '');
  }
  return seen;
}

describe('the browser entry', () => {
  it('imports no Node module, directly or through another file', () => {
    const graph = [...importGraph(new URL('../src/browser.ts', import.meta.url))];
    expect(graph.filter((specifier) => specifier.startsWith('node:'))).toEqual([]);
    expect(graph.filter((specifier) => !specifier.startsWith('file:'))).toEqual(['@kindling/tensor']);
  });

  it('parses inflated IDX bytes and says to inflate gzip first', () => {
    expect(parseIdxImages(idxImages(2, 2, 2), IMAGES).count).toBe(2);
    expect(() => parseIdxImages(gzipSync(idxImages(2, 2, 2)), IMAGES)).toThrow(
      new IdxFormatError(IMAGES, 'the data is gzip-compressed; inflate it first (await gunzipIdx(bytes, fileName))'),
    );
  });
});

describe('gunzipIdx', () => {
  it('inflates a gzip file to its IDX bytes and passes raw bytes through', async () => {
    const raw = idxImages(40, 5, 5);
    expect(Array.from(await gunzipIdx(gzipSync(raw), IMAGES))).toEqual(Array.from(raw));
    expect(await gunzipIdx(raw, IMAGES)).toBe(raw);
    expect(Array.from(await gunzipIdx(gzipSync(idxLabels([3, 1, 4])), 'labels.gz'))).toEqual(Array.from(idxLabels([3, 1, 4])));
  });

  it('rejects a truncated or corrupt gzip file', async () => {
    const gz = gzipSync(idxImages(50, 4, 4));
    await expect(gunzipIdx(gz.subarray(0, gz.length - 20), IMAGES)).rejects.toThrow(/^train-images-idx3-ubyte\.gz: the gzip data is corrupt or truncated/);
    const corrupt = Buffer.from(gz);
    corrupt[gz.length - 6] = (corrupt[gz.length - 6] as number) ^ 0xff; // inside the CRC-32 / length trailer
    await expect(gunzipIdx(corrupt, IMAGES)).rejects.toThrow(IdxFormatError);
  });

  it('stops inflating a gzip bomb at the size its header declares', async () => {
    const header = idxImages(1000, 28, 28).subarray(0, 16);
    const bomb = gzipSync(Buffer.concat([header, Buffer.alloc(64 * 2 ** 20)]), { level: 9 });
    await expect(gunzipIdx(bomb, IMAGES)).rejects.toThrow(
      'train-images-idx3-ubyte.gz: the gzip data inflates to more than the 784016 bytes its IDX header declares; decompression was stopped there (a corrupt file or a decompression bomb)',
    );
  });

  it('refuses a header that declares more than the gzip data can hold', async () => {
    const header = idxImages(1, 28, 28).subarray(0, 16);
    header.writeUInt32BE(0xffffffff, 4);
    await expect(gunzipIdx(gzipSync(header), IMAGES)).rejects.toThrow(/^train-images-idx3-ubyte\.gz: the IDX header declares 3367254359296 bytes, more than \d+ bytes of gzip data can hold/);
  });

  it('leaves a stream that ends inside the data to the parser, which reports the truncation', async () => {
    const short = idxImages(3, 2, 2).subarray(0, 20);
    short.writeUInt32BE(3, 4);
    const inflated = await gunzipIdx(gzipSync(short), IMAGES);
    expect(() => parseIdxImages(inflated, IMAGES)).toThrow(/expected 28 bytes for 3 images of 2×2, found 20; the file is truncated/);
  });
});

describe('fetchDataSets', () => {
  it('reads the four gzip files from the folder URL and splits them as readDataSets does', async () => {
    const { bodies, checksums } = servedMini();
    const { fetch, requested } = fakeFetch(bodies);
    const fetched = await fetchDataSets({ baseUrl: BASE.slice(0, -1), fetch, checksums, validationSize: 4, seed: 3 });
    expect(requested.sort()).toEqual(MNIST_FILE_NAMES.map((name) => `${BASE}${name}.gz`).sort());
    expect(fetched.urls['t10k-labels-idx1-ubyte']).toBe(`${BASE}t10k-labels-idx1-ubyte.gz`);
    const mini = temporaryDir();
    try {
      writeMiniMnist(mini.dir);
      const read = await readDataSets({ dir: mini.dir, verify: false, validationSize: 4, seed: 3 });
      for (const set of ['train', 'validation', 'test'] as const) {
        expect(fetched[set].numExamples).toBe(read[set].numExamples);
        expect(Array.from(fetched[set].pixels)).toEqual(Array.from(read[set].pixels));
        expect(Array.from(fetched[set].nextBatchIndices(3))).toEqual(Array.from(read[set].nextBatchIndices(3)));
      }
    } finally {
      mini.remove();
    }
  });

  it('reads raw files with suffix "" and checks the real checksums by default', async () => {
    const raw = Object.fromEntries(Object.entries(miniMnist()).map(([name, bytes]) => [`${BASE}${name}`, bytes]));
    await expect(fetchDataSets({ baseUrl: BASE, suffix: '', fetch: fakeFetch(raw).fetch })).rejects.toThrow(ChecksumError);
    const sets = await fetchDataSets({ baseUrl: BASE, suffix: '', fetch: fakeFetch(raw).fetch, verify: false, validationSize: 2 });
    expect([sets.train.numExamples, sets.validation.numExamples, sets.test.numExamples]).toEqual([10, 2, 6]);
  });

  it('names the URL and the status of a file the server does not have', async () => {
    const { bodies, checksums } = servedMini();
    delete bodies[`${BASE}t10k-images-idx3-ubyte.gz`];
    await expect(fetchDataSets({ baseUrl: BASE, fetch: fakeFetch(bodies).fetch, checksums })).rejects.toThrow(
      `fetchDataSets: ${BASE}t10k-images-idx3-ubyte.gz answered HTTP 404 Not Found; it should serve MNIST's t10k-images-idx3-ubyte`,
    );
  });

  it('checks the labels against numClasses, naming the URL', async () => {
    const { bodies } = servedMini();
    await expect(fetchDataSets({ baseUrl: BASE, fetch: fakeFetch(bodies).fetch, verify: false, numClasses: 5 })).rejects.toThrow(
      `${BASE}train-labels-idx1-ubyte.gz: label 5 of example 5 is outside the 5 classes (0 to 4)`,
    );
  });

  it('needs a page to resolve a relative URL against', async () => {
    await expect(fetchDataSets({ baseUrl: 'mnist/', fetch: fakeFetch({}).fetch })).rejects.toThrow(
      new TypeError("fetchDataSets: baseUrl 'mnist/' is not a URL (a relative URL needs a page to resolve against; give an absolute one)"),
    );
  });
});
