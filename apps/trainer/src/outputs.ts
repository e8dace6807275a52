import { lstatSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
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

/** How many symlinks one output path may pass through, as Linux's own limit (ELOOP). */
const MAX_SYMLINK_HOPS = 40;

/** What a file that is neither a regular file nor a directory is, in words; undefined for those two. */
function specialFileKind(stats: Stats): string | undefined {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return undefined;
}

/**
 * The file a write to `path` lands in: every symlink followed (a dangling one names the file to
 * create) and the directory given by its real path, so that the temporary file is renamed over
 * the target rather than over the link, and two spellings of one file compare equal. A path whose
 * directory cannot be resolved comes back absolute but otherwise as given, for the checks to name.
 */
function writeTarget(path: string, problem: (text: string) => UsageError): string {
  let current = resolve(path);
  for (let hops = 0; hops <= MAX_SYMLINK_HOPS; hops++) {
    let dir: string;
    try {
      dir = realpathSync(dirname(current));
    } catch {
      return current;
    }
    current = join(dir, basename(current));
    let link: string;
    try {
      link = readlinkSync(current);
    } catch {
      return current;
    }
    current = resolve(dir, link);
  }
  throw problem(`passes through more than ${MAX_SYMLINK_HOPS} symbolic links (a loop?)`);
}

/**
 * Throws a `UsageError` naming the flag and the path unless `path` can be written: its directory
 * exists and accepts a new file (tried by creating and removing one, which also catches read-only
 * file systems), and the path itself is neither a directory nor a FIFO, device or socket (which
 * the write would replace with a regular file), through symlinks too. Returns the file to write:
 * `path` with its symlinks resolved, so that the write replaces the link's target, not the link.
 * Run before training, so that a run is never lost to a typo in an output path.
 */
export function checkWritable({ flag, path }: Output): string {
  const problem = (text: string) => new UsageError(`--${flag} ${path}: ${text}`);
  const target = writeTarget(path, problem);
  let viaSymlink = '';
  try {
    if (lstatSync(path).isSymbolicLink()) viaSymlink = ` (a symlink to ${target})`;
  } catch {
    // Not there yet: nothing to describe.
  }
  let existing: Stats | undefined;
  try {
    existing = statSync(target);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory()) throw problem(`is a directory${viaSymlink}; give the path of a file to write`);
  const kind = existing && specialFileKind(existing);
  if (kind) throw problem(`is ${kind}${viaSymlink}, not a regular file; writing would replace it with one, so give the path of a regular file`);
  const dir = dirname(target);
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
  return target;
}

/**
 * Checks every output with `checkWritable` and that no two name the same file (after symlinks),
 * where the later write would silently replace the earlier one. Returns the outputs with the
 * files to write, in order; throws a `UsageError` naming both flags.
 */
export function checkOutputs(outputs: readonly Output[]): Output[] {
  const byTarget = new Map<string, Output>();
  return outputs.map((output) => {
    const target = checkWritable(output);
    const earlier = byTarget.get(target);
    if (earlier !== undefined) {
      throw new UsageError(`--${earlier.flag} ${earlier.path} and --${output.flag} ${output.path} name the same file (${target}); one would overwrite the other, so give each output its own path`);
    }
    byTarget.set(target, output);
    return { flag: output.flag, path: target };
  });
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

/** Prints where an output went (`saved the report to …`, or the error and the fallback); false when it is not where it was asked for. */
export function reportOutcome(flag: string, requested: string, outcome: WriteOutcome, what: string): boolean {
  if (outcome.error === undefined) {
    console.log(`saved ${what} to ${requested}`);
    return true;
  }
  if (outcome.path !== undefined) console.error(`kindling-train: --${flag} ${requested}: ${outcome.error}; saved ${what} to ${outcome.path} instead`);
  else console.error(`kindling-train: --${flag} ${requested}: ${outcome.error}; ${what} could not be saved anywhere`);
  return false;
}
