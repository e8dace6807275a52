import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `@kindling/*` resolved to TypeScript sources, as the root config does for its inline projects
 * (a project config file does not inherit them), so suites and backend share one registry.
 */
export function sourceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const group of ['packages', 'apps']) {
    for (const entry of readdirSync(join(repoRoot, group), { withFileTypes: true })) {
      const entryPoint = join(repoRoot, group, entry.name, 'src', 'index.ts');
      if (entry.isDirectory() && existsSync(entryPoint)) aliases[`@kindling/${entry.name}`] = entryPoint;
    }
  }
  return aliases;
}

/**
 * The Node project without a GPU: loading Dawn, the registry's fallback, the pool and the WGSL
 * builders. test/gpu/ runs on a WebGPU device twice: in Chromium (vitest.browser.config.ts) and on
 * Dawn in Node (vitest.dawn.config.ts).
 */
export default defineProject({
  resolve: { alias: sourceAliases() },
  test: {
    name: 'backend-webgpu',
    root: repoRoot,
    include: ['packages/backend-webgpu/test/*.test.ts'],
  },
});
