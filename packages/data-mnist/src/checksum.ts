/** A file whose bytes are not the ones expected. */
export class ChecksumError extends Error {
  override name = 'ChecksumError';
  constructor(
    readonly path: string,
    readonly actual: string,
    readonly expected: string,
  ) {
    super(
      `${path}: the SHA-256 of its data is ${actual}, expected ${expected}; the file is corrupt or not the original MNIST — delete it and let Kindling fetch it again, or pass verify: false (kindling-train --no-verify) to use other data`,
    );
  }
}

/**
 * Throws a `ChecksumError` unless the SHA-256 of `data` (a file's decompressed bytes) is `sha256`,
 * hashing with the Web Crypto API, which browsers give only to secure contexts (https, localhost).
 */
export async function checkSha256(data: Uint8Array, sha256: string, source: string): Promise<void> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new Error(`${source}: cannot check its SHA-256: crypto.subtle is missing (browsers give it only to pages served over https or from localhost); serve the page so, or pass verify: false`);
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', data));
  const actual = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
  if (actual !== sha256.toLowerCase()) throw new ChecksumError(source, actual, sha256);
}
