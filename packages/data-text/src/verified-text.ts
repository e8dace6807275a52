/** The tiny Shakespeare corpus of char-rnn and nanoGPT's `shakespeare_char`: public domain, shipped in this package. */
export const TINY_SHAKESPEARE = Object.freeze({
  fileName: 'tinyshakespeare.txt',
  characters: 1_115_394,
  sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
  /** Where char-rnn published it, for users who fetch their own copy (`fetchText(TINY_SHAKESPEARE.url, { sha256 })`). */
  url: 'https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt',
});

/** A text whose bytes are not the ones expected. */
export class TextChecksumError extends Error {
  override name = 'TextChecksumError';
  constructor(
    readonly source: string,
    readonly actual: string,
    readonly expected: string,
  ) {
    super(`${source}: the SHA-256 of its bytes is ${actual}, expected ${expected}; the copy is corrupt or another text — fetch it again, or pass verify: false to use it as it is`);
  }
}

/** Throws a `TextChecksumError` unless the SHA-256 of `bytes` is `sha256` (the Web Crypto API, in Node and browsers). */
export async function checkTextSha256(bytes: Uint8Array, sha256: string, source: string): Promise<void> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new Error(`${source}: cannot check its SHA-256: crypto.subtle is missing (browsers give it only to pages served over https or from localhost); serve the page so, or pass verify: false`);
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  const actual = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
  if (actual !== sha256.toLowerCase()) throw new TextChecksumError(source, actual, sha256);
}

export interface FetchTextOptions {
  /** The SHA-256 the bytes must have; without it the text is not checked. */
  sha256?: string;
  fetch?: typeof globalThis.fetch;
}

/** A UTF-8 text from `url`, checked against `sha256` before it is decoded; a failed transfer names the URL and the status. */
export async function fetchText(url: string, { sha256, fetch = globalThis.fetch }: FetchTextOptions = {}): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`fetchText: could not fetch ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new Error(`fetchText: ${url} answered ${response.status} ${response.statusText}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (sha256 !== undefined) await checkTextSha256(bytes, sha256, url);
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
