import { checkDeclaredSize, corruptGzipError, declaredIdxBytes, isGzip, oversizedGzipError } from './idx-format.js';

/** The largest IDX file inflated into one buffer: 2 GiB, forty times MNIST's largest file. */
const MAX_INFLATED_BYTES = 2 ** 31;

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Whether `prefix` holds a whole IDX header (magic number and dimensions), valid or not. */
function headerComplete(prefix: Uint8Array): boolean {
  return prefix.length >= 4 && prefix.length >= 4 + 4 * (prefix[3] as number);
}

/**
 * The IDX bytes of a file that may be gzip-compressed, inflated with the `DecompressionStream` of
 * browsers (and Node): what Node's `decompressIfGzip` does, without Node. Inflating stops as soon
 * as the output passes the size the IDX header declares, so a decompression bomb is an error after
 * at most that many bytes; a header that declares more than the gzip data can hold is refused
 * before anything else is inflated.
 *
 * @example
 * const bytes = await gunzipIdx(new Uint8Array(await (await fetch('mnist/t10k-labels-idx1-ubyte.gz')).arrayBuffer()), 't10k-labels-idx1-ubyte.gz');
 */
export async function gunzipIdx(bytes: Uint8Array, fileName: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const reader = input.pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let out: Uint8Array | undefined;
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        throw corruptGzipError(fileName, error instanceof Error ? error.message : String(error));
      }
      if (next.done) break;
      const chunk = next.value;
      if (out !== undefined) {
        if (total + chunk.length > out.length) throw oversizedGzipError(fileName, out.length);
        out.set(chunk, total);
        total += chunk.length;
        continue;
      }
      chunks.push(chunk);
      total += chunk.length;
      const prefix = concat(chunks, total);
      if (!headerComplete(prefix)) continue;
      const declared = declaredIdxBytes(prefix);
      // Without a valid header there is nothing to inflate to; the parser reports what is wrong.
      if (declared === undefined) return prefix;
      checkDeclaredSize(declared, bytes.length, MAX_INFLATED_BYTES, fileName);
      if (total > declared) throw oversizedGzipError(fileName, declared);
      out = new Uint8Array(declared);
      out.set(prefix);
      chunks.length = 0;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  // A stream that ends early gives fewer bytes than declared: the parser reports the truncation.
  return out === undefined ? concat(chunks, total) : out.subarray(0, total);
}
