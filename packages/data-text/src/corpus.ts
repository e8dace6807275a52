import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { checkTextSha256, TINY_SHAKESPEARE } from './verified-text.js';

export interface ReadTextOptions {
  /** The SHA-256 the file must have; without it the file is not checked. */
  sha256?: string;
}

/** A UTF-8 text file (the user's own corpus), checked against `sha256` when given; bytes that are not UTF-8 are an error naming the file. */
export async function readText(path: string, { sha256 }: ReadTextOptions = {}): Promise<string> {
  const bytes = await readFile(path);
  if (sha256 !== undefined) await checkTextSha256(bytes, sha256, path);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new TypeError(`readText: ${path} is not UTF-8 text; convert it (iconv -t UTF-8) or give another file`);
  }
}

/** The path of the copy of tiny Shakespeare that this package ships. */
export function tinyShakespearePath(): string {
  return fileURLToPath(new URL(`../data/${TINY_SHAKESPEARE.fileName}`, import.meta.url));
}

/** The tiny Shakespeare corpus from this package's copy, verified against its SHA-256 unless `verify: false`. */
export async function tinyShakespeare({ verify = true }: { verify?: boolean } = {}): Promise<string> {
  return readText(tinyShakespearePath(), verify ? { sha256: TINY_SHAKESPEARE.sha256 } : {});
}
