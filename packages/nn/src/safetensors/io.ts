import type { Tensor } from '@kindling/tensor';
import { deserialize, encodeHeader, tensorBytes, type SafetensorsContents } from './format.js';

/**
 * Node's file system and random bytes, taken when a file is read or written rather than imported,
 * so that nn bundles for browsers, where `serialize` and `deserialize` work on bytes instead.
 */
function nodeFiles(caller: string) {
  const fs = typeof process === 'undefined' ? undefined : process.getBuiltinModule?.('node:fs/promises');
  const crypto = typeof process === 'undefined' ? undefined : process.getBuiltinModule?.('node:crypto');
  if (!fs || !crypto) {
    throw new Error(`${caller}: files need Node's file system, which this environment lacks; in a browser, serialize() gives a checkpoint's bytes (for a Blob) and deserialize() reads them (from a File)`);
  }
  return { ...fs, randomBytes: crypto.randomBytes };
}

/** Temporary files of this process's saves still being written, removed on SIGINT/SIGTERM. */
const inFlight = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Removes the temporary files of unfinished saves, then lets the signal do what it would have done
 * without this handler (end the process). Installed only while a save is in flight and only when
 * nothing else listens for the signal, so an application's own handling is never changed.
 */
async function removeInFlightAndExit(signal: NodeJS.Signals): Promise<void> {
  const temporaries = [...inFlight];
  inFlight.clear();
  const { unlink } = nodeFiles('save');
  // Already renamed into place or removed: nothing to do.
  await Promise.all(temporaries.map((temporary) => unlink(temporary).catch(() => undefined)));
  uninstallSignalHandlers();
  process.kill(process.pid, signal);
}

let installedSignals: NodeJS.Signals[] = [];
const onSignal = (signal: NodeJS.Signals) => void removeInFlightAndExit(signal);

/** The directory and file name of `path`, split by hand: nn imports no Node module (see `nodeFiles`). */
function splitPath(path: string): { dir: string; name: string } {
  const separator = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return { dir: separator === -1 ? '.' : path.slice(0, separator + 1), name: path.slice(separator + 1) };
}

function installSignalHandlers(): void {
  if (installedSignals.length > 0 || typeof process.on !== 'function') return;
  installedSignals = SIGNALS.filter((signal) => process.listenerCount(signal) === 0);
  for (const signal of installedSignals) process.once(signal, onSignal);
}

function uninstallSignalHandlers(): void {
  for (const signal of installedSignals) process.removeListener(signal, onSignal);
  installedSignals = [];
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
 * Removes the temporary files that saves to `path` left when their process was killed (SIGKILL,
 * a crash): their names carry the writer's pid, and those of live processes' saves are kept.
 */
async function removeStaleTemporaries(path: string, opName: string): Promise<void> {
  const { readdir, unlink } = nodeFiles(opName);
  const { dir, name } = splitPath(path);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return; // the write itself will report a missing or unreadable directory
  }
  for (const entry of entries) {
    if (!entry.startsWith(`${name}.tmp-`)) continue;
    const match = /^(\d+)-[0-9a-f]{12}$/.exec(entry.slice(name.length + 5));
    if (match === null) continue;
    const temporary = dir === '.' ? entry : `${dir}${entry}`;
    const pid = Number(match[1]);
    const abandoned = pid === process.pid ? !inFlight.has(temporary) : !isRunning(pid);
    if (abandoned) await unlink(temporary).catch(() => undefined);
  }
}

/**
 * Writes the chunks `write` produces to `path` atomically: under a temporary name next to `path`,
 * flushed to disk and then renamed over it, so a crash or an error part-way never leaves a
 * truncated file (`path` holds either the old file or the complete new one). Temporary files of
 * writes that were killed are removed by the next write to the same path, and on SIGINT or SIGTERM
 * the writing process removes its own (unless the application handles those signals). Errors name
 * `opName` and the path.
 *
 * @example
 * await writeFileAtomically('model.onnx', async (write) => write(bytes), 'saveOnnx');
 */
export async function writeFileAtomically(path: string, produce: (write: (chunk: Uint8Array) => Promise<void>) => Promise<void>, opName: string): Promise<void> {
  const { open, randomBytes, rename, unlink } = nodeFiles(opName);
  await removeStaleTemporaries(path, opName);
  // Same directory as the target: a rename is only atomic within one file system.
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  inFlight.add(temporary);
  installSignalHandlers();
  try {
    const handle = await open(temporary, 'wx');
    try {
      await produce(async (chunk) => {
        await handle.write(chunk);
      });
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${opName}: could not write ${path}: ${reason}; any previous file there is unchanged`, { cause: error });
  } finally {
    inFlight.delete(temporary);
    if (inFlight.size === 0) uninstallSignalHandlers();
  }
}

/**
 * Writes `tensors` (a `stateDict()`) to `path` as a safetensors file, which PyTorch's
 * `safetensors.torch.load_file` reads, atomically (see `writeFileAtomically`): a crash or an error
 * part-way never leaves a truncated checkpoint. `metadata` values must be strings.
 *
 * @example
 * await save(net.stateDict(), 'mnist.safetensors', { epoch: '3' });
 */
export async function save(tensors: Readonly<Record<string, Tensor>>, path: string, metadata?: Readonly<Record<string, string>>): Promise<void> {
  const { header, order } = encodeHeader(tensors, metadata);
  await writeFileAtomically(
    path,
    async (write) => {
      await write(header);
      // One tensor at a time, so a large checkpoint is never copied into one buffer.
      for (const [, t] of order) await write(await tensorBytes(t));
    },
    'save',
  );
}

/** Options of `load`. */
export interface LoadOptions {
  /** The backend to create the tensors on (the current one by default). */
  device?: string;
}

/**
 * Reads a safetensors file (one written by `save`, or by PyTorch's `safetensors.torch.save_file`)
 * into a record of tensors in file order, ready for `module.loadStateDict`. A truncated or corrupt
 * file is an error that names the file and the problem.
 *
 * @example
 * net.loadStateDict(await load('mnist.safetensors'));
 */
export async function load(path: string, options: LoadOptions = {}): Promise<Record<string, Tensor>> {
  return (await loadWithMetadata(path, options)).tensors;
}

/** `load`, plus the file's `__metadata__` strings. */
export async function loadWithMetadata(path: string, options: LoadOptions = {}): Promise<SafetensorsContents> {
  const { readFile } = nodeFiles('load');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`load: could not read ${path}: ${reason}`, { cause: error });
  }
  return deserialize(bytes, path, options.device);
}
