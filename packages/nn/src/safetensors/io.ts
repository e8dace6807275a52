import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import type { Tensor } from '@kindling/tensor';
import { deserialize, encodeHeader, tensorBytes, type SafetensorsContents } from './format.js';

/**
 * Writes `tensors` (a `stateDict()`) to `path` as a safetensors file, which PyTorch's
 * `safetensors.torch.load_file` reads. The file is written under a temporary name next to `path`,
 * flushed to disk and then renamed over `path`, so a crash or an error part-way never leaves a
 * truncated checkpoint: `path` holds either the old file or the complete new one.
 *
 * @example
 * await save(net.stateDict(), 'mnist.safetensors', { epoch: '3' });
 */
export async function save(tensors: Readonly<Record<string, Tensor>>, path: string, metadata?: Readonly<Record<string, string>>): Promise<void> {
  const { header, order } = encodeHeader(tensors, metadata);
  // Same directory as the target: a rename is only atomic within one file system.
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.write(header);
      // One tensor at a time, so a large checkpoint is never copied into one buffer.
      for (const [, t] of order) await handle.write(await tensorBytes(t));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`save: could not write ${path}: ${reason}; any previous file there is unchanged`, { cause: error });
  }
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
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`load: could not read ${path}: ${reason}`, { cause: error });
  }
  return deserialize(bytes, path, options.device);
}
