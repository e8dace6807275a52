import { rmSync, statSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './options.js';

/** A file the run will write, and the flag that asked for it (for error messages). */
export interface Output {
  flag: string;
  path: string;
}

function errorCode(error: unknown): string {
  return error instanceof Error && 'code' in error ? String(error.code) : error instanceof Error ? error.message : String(error);
}

/**
 * Throws a `UsageError` naming the flag and the path unless `path` can be written: its directory
 * exists and accepts a new file (tried by creating and removing one, which also catches read-only
 * file systems), and the path itself is not a directory. Run before training, so that a run is
 * never lost to a typo in an output path.
 */
export function checkWritable({ flag, path }: Output): void {
  const problem = (text: string) => new UsageError(`--${flag} ${path}: ${text}`);
  try {
    if (statSync(path).isDirectory()) throw problem('is a directory; give the path of a file to write');
  } catch (error) {
    if (error instanceof UsageError) throw error;
  }
  const dir = dirname(resolve(path));
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') throw problem(`the directory ${dir} does not exist; create it or choose another path`);
    if (code === 'ENOTDIR') throw problem(`${dir} is not a directory (a part of the path is a file)`);
    throw problem(`cannot reach the directory ${dir} (${code})`);
  }
  if (!isDirectory) throw problem(`${dir} is not a directory`);
  const probe = join(dir, `.kindling-write-check-${process.pid}`);
  try {
    writeFileSync(probe, '', { flag: 'wx' });
  } catch (error) {
    throw problem(`cannot write in ${dir} (${errorCode(error)})`);
  }
  rmSync(probe, { force: true });
}

/** Where an output ended up. */
export interface WriteOutcome {
  /** The file written: the path asked for, or a fallback when writing there failed; absent when every attempt failed. */
  path?: string;
  /** Why the path asked for could not be written (and, with no `path`, why each fallback failed). */
  error?: string;
}

/** The directories tried, in order, when an output cannot be written where it was asked for. */
export function defaultFallbackDirs(): string[] {
  return [process.cwd(), tmpdir()];
}

/**
 * Runs `write(path)`; if it fails, runs it again on a file of the same name (prefixed with
 * `kindling-<pid>-`) in each of `fallbackDirs` until one succeeds, so that a run's results are
 * kept somewhere and the outcome says where. Never throws.
 */
export async function writeWithFallback(path: string, write: (target: string) => Promise<void>, fallbackDirs: readonly string[] = defaultFallbackDirs()): Promise<WriteOutcome> {
  try {
    await write(path);
    return { path };
  } catch (error) {
    const failure = error instanceof Error ? error.message : String(error);
    const failures = [failure];
    for (const dir of fallbackDirs) {
      const fallback = join(dir, `kindling-${process.pid}-${basename(path) || 'output'}`);
      try {
        await write(fallback);
        return { path: fallback, error: failure };
      } catch (fallbackError) {
        failures.push(fallbackError instanceof Error ? fallbackError.message : String(fallbackError));
      }
    }
    return { error: failures.join('; ') };
  }
}

/** Writes `text` to `path` through a temporary file renamed into place; the temporary file never outlives a failure. */
export async function writeTextAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new Error(`could not write ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
