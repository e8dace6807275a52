import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** `@kindling/*` resolved to TypeScript sources, as the root config does for its inline projects. */
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

/** The importer, exporter, round trips and ONNX Runtime checks; ONNX's own cases are vitest.conformance.config.ts. */
export default defineProject({
  resolve: { alias: sourceAliases() },
  test: {
    name: 'onnx',
    root: repoRoot,
    include: ['packages/onnx/test/*.test.ts'],
    testTimeout: 60_000,
  },
});
