import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

describe('the package in a browser bundle', () => {
  it('bundles for the browser without Node built-ins or the Dawn package', async () => {
    const result = await build({
      entryPoints: [source('../src/index.ts')],
      alias: { '@kindling/tensor': source('../../tensor/src/index.ts') },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).toContain('registerWebGpuBackend');
    // Dawn is only ever imported through a variable specifier, at run time, in Node.
    expect(code).not.toMatch(/from ["']node:|require\(["']|dawn\.node/);
  });
});
