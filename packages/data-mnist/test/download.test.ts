import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CacheNotWritableError, DownloadError, downloadMnistFile, MNIST_FILE_NAMES, readDataSets, resolveMnistFiles, type MnistFileName } from '../src/index.js';
import { idxImages, miniMnist, temporaryDir } from './fixtures.js';

const NAME = 't10k-images-idx3-ubyte';
const raw = idxImages(200, 8, 8);
const gz = gzipSync(raw);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// Each test starts at most a couple of servers on 127.0.0.1; all are closed, connections included, after it.
let servers: Server[] = [];
let cache: { dir: string; remove: () => void };

/** Serves `handler` on 127.0.0.1 at a free port; returns the mirror URL and the paths requested. */
async function serve(handler: RequestListener): Promise<{ mirror: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    handler(request, response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { mirror: `http://127.0.0.1:${port}/mnist/`, requests };
}

/** A handler that serves `files` (name -> body) under /mnist/ and 404s anything else. */
function files(bodies: Record<string, Buffer>): RequestListener {
  return (request, response) => {
    const body = bodies[(request.url ?? '').replace('/mnist/', '')];
    if (body === undefined) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length }).end(body);
  };
}

beforeEach(() => {
  cache = temporaryDir();
});

afterEach(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
  servers = [];
  cache.remove();
});

describe('downloadMnistFile', () => {
  it('streams the file into the cache, decompressed and verified', async () => {
    const { mirror, requests } = await serve(files({ [`${NAME}.gz`]: gz }));
    const cacheDir = join(cache.dir, 'kindling', 'mnist');
    const path = await downloadMnistFile(NAME, cacheDir, { mirrors: [mirror], sha256: sha256(raw) });
    expect(path).toBe(join(cacheDir, NAME));
    expect(readFileSync(path).equals(raw)).toBe(true);
    expect(readdirSync(cacheDir)).toEqual([NAME]);
    expect(requests).toEqual([`/mnist/${NAME}.gz`]);
  });

  it('removes what a killed download left behind, but not the files of one still running', async () => {
    const { mirror } = await serve(files({ [`${NAME}.gz`]: gz }));
    const stale = `${NAME}.999999999-0badf00d.download`; // above Linux's largest pid, so no such process
    const running = `${NAME}.${process.pid}-12345678.download`;
    writeFileSync(join(cache.dir, stale), 'partial');
    writeFileSync(join(cache.dir, running), 'partial');
    await downloadMnistFile(NAME, cache.dir, { mirrors: [mirror], sha256: sha256(raw) });
    expect(readdirSync(cache.dir).sort()).toEqual([NAME, running].sort());
  });

  it('rejects a file whose checksum does not match and leaves nothing in the cache', async () => {
    const tampered = Buffer.from(raw);
    tampered[1000] = (tampered[1000] as number) ^ 0x01;
    const { mirror } = await serve(files({ [`${NAME}.gz`]: gzipSync(tampered) }));
    const error = await downloadMnistFile(NAME, cache.dir, { mirrors: [mirror], sha256: sha256(raw) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as Error).message).toMatch(new RegExp(`${NAME}\\.gz: checksum mismatch: the SHA-256 of the decompressed file is ${sha256(tampered)}, expected ${sha256(raw)}`));
    expect(readdirSync(cache.dir)).toEqual([]);
  });

  it('rejects corrupted gzip bytes and leaves nothing in the cache', async () => {
    const corrupted = Buffer.from(gz);
    for (let i = 100; i < 140; i++) corrupted[i] = 0xa5;
    const { mirror } = await serve(files({ [`${NAME}.gz`]: corrupted }));
    await expect(downloadMnistFile(NAME, cache.dir, { mirrors: [mirror], sha256: sha256(raw) })).rejects.toThrow(/\.gz: the gzip data is corrupt/);
    expect(readdirSync(cache.dir)).toEqual([]);
  });

  it('fails when the connection drops mid-file and leaves nothing in the cache', async () => {
    const { mirror } = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': gz.length });
      response.write(gz.subarray(0, gz.length >> 1), () => response.socket?.destroy());
    });
    const error = await downloadMnistFile(NAME, cache.dir, { mirrors: [mirror], sha256: sha256(raw) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    // How many of the bytes sent arrive before the close is up to the network stack; never all of them.
    expect((error as Error).message).toMatch(new RegExp(`the transfer stopped after \\d+ of ${gz.length} bytes`));
    expect(readdirSync(cache.dir)).toEqual([]);
  });

  it('gives up on a mirror that stalls and leaves nothing in the cache', async () => {
    const { mirror } = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': gz.length });
      response.write(gz.subarray(0, 64));
    });
    await expect(downloadMnistFile(NAME, cache.dir, { mirrors: [mirror], sha256: sha256(raw), timeoutMs: 200 })).rejects.toThrow(
      `the transfer stopped after 64 of ${gz.length} bytes (no data for 0.2 s)`,
    );
    expect(readdirSync(cache.dir)).toEqual([]);
  });

  it('falls back to the next mirror when one fails', async () => {
    const broken = await serve(files({}));
    const working = await serve(files({ [`${NAME}.gz`]: gz }));
    const path = await downloadMnistFile(NAME, cache.dir, { mirrors: [broken.mirror, working.mirror], sha256: sha256(raw) });
    expect(readFileSync(path).equals(raw)).toBe(true);
    expect(broken.requests).toEqual([`/mnist/${NAME}.gz`]);
    expect(working.requests).toEqual([`/mnist/${NAME}.gz`]);
  });

  it('says what every mirror answered when all fail', async () => {
    const first = await serve(files({}));
    const second = await serve((_request, response) => response.writeHead(500).end());
    const error = await downloadMnistFile(NAME, cache.dir, { mirrors: [first.mirror, second.mirror], sha256: sha256(raw) }).catch((e: unknown) => e);
    expect((error as DownloadError).attempts).toEqual([`${first.mirror}${NAME}.gz: HTTP 404 Not Found`, `${second.mirror}${NAME}.gz: HTTP 500 Internal Server Error`]);
    expect(readdirSync(cache.dir)).toEqual([]);
  });

  it('uses the known MNIST checksums by default', async () => {
    const { mirror } = await serve(files({ [`${NAME}.gz`]: gz }));
    await expect(downloadMnistFile(NAME, cache.dir, { mirrors: [mirror] })).rejects.toThrow(/checksum mismatch.*expected 0fa7898d/);
    expect(readdirSync(cache.dir)).toEqual([]);
  });
});

describe('a cache directory that cannot be written', () => {
  // Root writes through any permission bits, so these use paths no one can create a file in.
  it.each([
    { what: 'under a regular file', cacheDir: () => join(cache.dir, 'a-file', 'mnist'), code: 'ENOTDIR' },
    { what: 'that is a regular file', cacheDir: () => join(cache.dir, 'a-file'), code: 'EEXIST' },
  ])('is refused before any mirror is asked: a cache dir $what', async ({ cacheDir, code }) => {
    writeFileSync(join(cache.dir, 'a-file'), '');
    const { mirror, requests } = await serve(files({ [`${NAME}.gz`]: gz }));
    const download = downloadMnistFile(NAME, cacheDir(), { mirrors: [mirror], sha256: sha256(raw) });
    await expect(download).rejects.toThrow(new CacheNotWritableError(cacheDir(), code));
    await expect(download).rejects.toThrow(`the cache directory ${cacheDir()} cannot be written (${code}), so nothing was downloaded`);
    expect(requests).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('is refused when its permissions forbid writing (as a user other than root)', async () => {
    const readOnly = join(cache.dir, 'read-only');
    mkdirSync(readOnly, { mode: 0o555 });
    const { mirror, requests } = await serve(files({ [`${NAME}.gz`]: gz }));
    await expect(downloadMnistFile(NAME, readOnly, { mirrors: [mirror], sha256: sha256(raw) })).rejects.toThrow(new CacheNotWritableError(readOnly, 'EACCES'));
    expect(requests).toEqual([]);
  });

  it('is said once by the download source, not once per missing file', async () => {
    writeFileSync(join(cache.dir, 'a-file'), '');
    const cacheDir = join(cache.dir, 'a-file', 'mnist');
    const { mirror, requests } = await serve(files({}));
    const resolving = resolveMnistFiles({ cacheDir, mirrors: [mirror], sources: ['download'] });
    await expect(resolving).rejects.toThrow(`download into ${cacheDir}: the cache directory ${cacheDir} cannot be written (ENOTDIR), so nothing was downloaded`);
    await expect(resolving).rejects.toThrow(/^(?![\s\S]*cannot be written[\s\S]*cannot be written)/);
    expect(requests).toEqual([]);
  });
});

describe('the download source', () => {
  it('fetches what the cache lacks, and later loads come from the cache', async () => {
    const mini = miniMnist();
    const bodies = Object.fromEntries(Object.entries(mini).map(([name, bytes]) => [`${name}.gz`, gzipSync(bytes)]));
    const checksums = Object.fromEntries(Object.entries(mini).map(([name, bytes]) => [name, sha256(bytes)])) as Record<MnistFileName, string>;
    const { mirror, requests } = await serve(files(bodies));
    const options = { cacheDir: cache.dir, mirrors: [mirror], checksums, sources: ['cache', 'download'] as const };
    const downloaded = await resolveMnistFiles(options);
    expect(downloaded.source).toBe('download');
    expect(readdirSync(cache.dir).sort()).toEqual([...MNIST_FILE_NAMES].sort());
    expect(requests).toHaveLength(4);
    const sets = await readDataSets({ ...options, validationSize: 2 });
    expect(sets.files.source).toBe('cache');
    expect(sets.train.numExamples + sets.validation.numExamples).toBe(12);
    expect(requests).toHaveLength(4);
    expect(existsSync(join(cache.dir, `${NAME}.gz`))).toBe(false);
  });
});
