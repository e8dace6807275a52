import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { MNIST_SHA256, type MnistFileName } from './mnist-files.js';

/** Public mirrors of the original files (the first is TensorFlow's, the second PyTorch's). */
export const DEFAULT_MIRRORS: readonly string[] = [
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
];

export interface DownloadOptions {
  /** Base URLs tried in order; `<mirror><name>.gz` is fetched from each until one succeeds. */
  mirrors?: readonly string[];
  /** Expected SHA-256 (hex) of the decompressed file; defaults to `MNIST_SHA256[name]`. */
  sha256?: string;
  /** Gives up on a mirror that sends nothing for this long (default 30 s). */
  timeoutMs?: number;
}

/** Every mirror failed; `attempts` says why, one line per mirror. */
export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    readonly fileName: string,
    readonly attempts: readonly string[],
  ) {
    super(`could not download ${fileName}: ${attempts.length === 0 ? 'no mirrors were given' : attempts.join('; ')}`);
  }
}

/**
 * The cache directory cannot be created or written: no mirror is asked, since nothing fetched could
 * be kept. `code` is the file system's (EACCES, EROFS, ENOTDIR, ...).
 */
export class CacheNotWritableError extends Error {
  override name = 'CacheNotWritableError';
  constructor(
    readonly cacheDir: string,
    readonly code: string,
  ) {
    super(`the cache directory ${cacheDir} cannot be written (${code}), so nothing was downloaded; pass another cacheDir, or set XDG_CACHE_HOME to a writable directory`);
  }
}

/** Creates `cacheDir` if needed and writes and removes a file in it, so a download never starts where it could not be kept. */
async function checkCacheWritable(cacheDir: string): Promise<void> {
  const probe = join(cacheDir, `.write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(cacheDir, { recursive: true });
    await writeFile(probe, '', { flag: 'wx' });
  } catch (error) {
    throw new CacheNotWritableError(cacheDir, error instanceof Error && 'code' in error ? String(error.code) : String(error));
  }
  await rm(probe, { force: true });
}

const MAX_REDIRECTS = 5;

function mirrorUrl(mirror: string, name: string): string {
  return new URL(`${name}.gz`, mirror.endsWith('/') ? mirror : `${mirror}/`).href;
}

function get(url: string, timeoutMs: number, redirectsLeft = MAX_REDIRECTS): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = new URL(url).protocol === 'https:' ? https : http;
    const request = client.get(url, { headers: { 'user-agent': '@kindling/data-mnist' } }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location !== undefined) {
        response.resume();
        if (redirectsLeft === 0) reject(new Error(`more than ${MAX_REDIRECTS} redirects`));
        else get(new URL(location, url).href, timeoutMs, redirectsLeft - 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        response.resume();
        reject(new Error(`HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`));
        return;
      }
      resolve(response);
    });
    // The timeout covers the whole transfer: it fires whenever the socket has been idle this long.
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no data for ${timeoutMs / 1000} s`)));
    request.on('error', reject);
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files of downloads of `name` whose process was killed before it could clean
 * up (their names carry the pid); those of downloads still running are left alone.
 */
async function removeStaleDownloads(cacheDir: string, name: string): Promise<void> {
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)-[0-9a-f]+\\.download$`);
  for (const entry of await readdir(cacheDir)) {
    const pid = pattern.exec(entry)?.[1];
    if (pid !== undefined && !isRunning(Number(pid))) await rm(join(cacheDir, entry), { force: true });
  }
}

/**
 * Streams one mirror's copy through gunzip and SHA-256 into a temporary file beside `destination`,
 * renaming it into place only when the checksum matches; on any failure the temporary file is removed.
 */
async function downloadFrom(url: string, destination: string, sha256: string, timeoutMs: number): Promise<void> {
  const temporary = `${destination}.${process.pid}-${randomBytes(4).toString('hex')}.download`;
  try {
    const response = await get(url, timeoutMs);
    const expectedBytes = response.headers['content-length'];
    let receivedBytes = 0;
    const countTap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        receivedBytes += chunk.length;
        callback(null, chunk);
      },
    });
    const hash = createHash('sha256');
    const hashTap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    let timedOut = false;
    response.socket.once('timeout', () => (timedOut = true));
    try {
      await pipeline(response, countTap, createGunzip(), hashTap, createWriteStream(temporary, { flags: 'wx' }));
    } catch (error) {
      const reason = timedOut ? `no data for ${timeoutMs / 1000} s` : error instanceof Error ? error.message : String(error);
      const isZlibError = error instanceof Error && 'code' in error && String(error.code).startsWith('Z_');
      if (isZlibError && !timedOut) throw new Error(`the gzip data is corrupt (${reason})`);
      throw new Error(`the transfer stopped after ${receivedBytes}${expectedBytes === undefined ? '' : ` of ${expectedBytes}`} bytes (${reason})`);
    }
    const actual = hash.digest('hex');
    if (actual !== sha256.toLowerCase()) {
      throw new Error(`checksum mismatch: the SHA-256 of the decompressed file is ${actual}, expected ${sha256}`);
    }
    await rename(temporary, destination);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Downloads `<name>.gz` from the first mirror that serves it intact, decompressing it into
 * `<cacheDir>/<name>`, and returns that path. A failed or interrupted download leaves nothing in the
 * cache. A cache directory that cannot be written is a `CacheNotWritableError` before any mirror is
 * asked. Uses node:http(s), so proxies set in the environment are not consulted.
 *
 * @example
 * const path = await downloadMnistFile('t10k-labels-idx1-ubyte', defaultCacheDir());
 */
export async function downloadMnistFile(name: MnistFileName | string, cacheDir: string, options: DownloadOptions = {}): Promise<string> {
  const sha256 = options.sha256 ?? MNIST_SHA256[name as MnistFileName];
  if (sha256 === undefined) throw new Error(`could not download ${name}: no SHA-256 is known for it; pass one as the sha256 option`);
  const mirrors = options.mirrors ?? DEFAULT_MIRRORS;
  const timeoutMs = options.timeoutMs ?? 30_000;
  await checkCacheWritable(cacheDir);
  await removeStaleDownloads(cacheDir, name);
  const destination = join(cacheDir, name);
  const attempts: string[] = [];
  for (const mirror of mirrors) {
    const url = mirrorUrl(mirror, name);
    try {
      await downloadFrom(url, destination, sha256, timeoutMs);
      return destination;
    } catch (error) {
      attempts.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new DownloadError(name, attempts);
}
