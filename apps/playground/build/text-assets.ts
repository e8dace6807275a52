import { readFile } from 'node:fs/promises';
import { checkTextSha256, TINY_SHAKESPEARE, tinyShakespearePath } from '@kindling/data-text';
import type { Plugin } from 'vite';

/** Where the Shakespeare page fetches the corpus from, relative to its base: `text/tinyshakespeare.txt`. */
export const TEXT_FOLDER = 'text';

/** The copy of tiny Shakespeare that `@kindling/data-text` ships, checked against its SHA-256. */
async function verifiedCorpus(): Promise<Buffer> {
  const path = tinyShakespearePath();
  const bytes = await readFile(path);
  await checkTextSha256(bytes, TINY_SHAKESPEARE.sha256, path);
  return bytes;
}

/**
 * Serves the tiny Shakespeare corpus (1.1 MB) from the app's own origin, as `mnistAssets` serves
 * MNIST: the dev server answers `/text/tinyshakespeare.txt` from memory, and the build writes the
 * file to `dist/text/`. The page checks its SHA-256 again after fetching it.
 */
export function textAssets(): Plugin {
  let corpus: Promise<Buffer> | undefined;
  const load = () => (corpus ??= verifiedCorpus());
  const url = `/${TEXT_FOLDER}/${TINY_SHAKESPEARE.fileName}`;
  return {
    name: 'kindling-text-assets',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        if (request.url !== url) return next();
        load().then(
          (bytes) => response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(bytes),
          (error: unknown) => next(error),
        );
      });
    },
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: `${TEXT_FOLDER}/${TINY_SHAKESPEARE.fileName}`, source: await load() });
    },
  };
}
