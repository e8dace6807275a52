import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { CHROMIUM_PATH } from './test-support/chromium.js';

const repoRoot = fileURLToPath(new URL('.', import.meta.url));

/** Chromium's copy of SwiftShader, a Vulkan driver on the CPU: WebGPU without a GPU, in Chromium and in Dawn. */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** What the projects of `vitest.<where>.config.ts` need on this machine, by `<where>`, and the Debian packages that give it. */
const PROJECT_NEEDS: Record<string, { paths: readonly string[]; install: string }> = {
  browser: { paths: [CHROMIUM_PATH, SWIFTSHADER_ICD], install: 'chromium libvulkan1' },
  dawn: { paths: [SWIFTSHADER_ICD], install: 'chromium libvulkan1' },
  conformance: { paths: ['/usr/share/libonnx-testdata/data'], install: 'libonnx-testdata' },
};

/** CI installs what every project needs (.ci/run), so there a missing piece is an error, not a skip. */
const strict = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Whether the project in `file` can start here. Where it cannot, it says which project is left out
 * and why (or, on CI, throws), so `pnpm test` on a machine without Chromium runs everything else.
 */
function canStart(dir: string, file: string): boolean {
  const where = /^vitest\.([a-z]+)\.config\.ts$/.exec(file)?.[1] ?? '';
  const needs = PROJECT_NEEDS[where];
  const missing = (needs?.paths ?? []).filter((path) => !existsSync(path));
  if (missing.length === 0) return true;
  const reason = `${dir}/${file} needs ${missing.join(' and ')}, which this machine lacks (apt-get install ${needs?.install})`;
  if (strict) throw new Error(`vitest: ${reason}; CI must run every project`);
  // vitest evaluates this file more than once per run; the line is printed once.
  const announced = ((globalThis as { kindlingSkippedProjects?: Set<string> }).kindlingSkippedProjects ??= new Set());
  if (!announced.has(reason)) console.warn(`vitest: not starting the project of ${reason}`);
  announced.add(reason);
  return false;
}

/**
 * One vitest project per workspace package (every folder under packages/ or apps/ with a
 * package.json), so new packages join the test run without editing this file. A package that
 * needs special settings (a browser, a setup file) adds its own vitest.config.ts, which is used
 * instead of the inline default; a vitest.<where>.config.ts beside it adds another project
 * (a browser, a GPU runtime, a data set), left out with a printed line where this machine lacks what it needs.
 */
function workspaceProjects(): (string | TestProjectInlineConfiguration)[] {
  return ['packages', 'apps'].flatMap((group) => {
    const groupDir = join(repoRoot, group);
    if (!existsSync(groupDir)) return [];
    return readdirSync(groupDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(groupDir, entry.name, 'package.json')))
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((entry) => {
        const dir = `${group}/${entry.name}`;
        const ownConfig = join(repoRoot, dir, 'vitest.config.ts');
        // A package may add projects that run its suites elsewhere (vitest.browser.config.ts in a
        // real browser, vitest.dawn.config.ts on Dawn).
        const extra = readdirSync(join(repoRoot, dir))
          .filter((file) => /^vitest\.[a-z]+\.config\.ts$/.test(file))
          .sort()
          .filter((file) => canStart(dir, file))
          .map((file) => join(repoRoot, dir, file));
        if (existsSync(ownConfig)) return [ownConfig, ...extra];
        return [
          {
            extends: true,
            test: { name: entry.name, root: repoRoot, include: [`${dir}/test/**/*.test.ts`] },
          },
          ...extra,
        ];
      });
  });
}

/**
 * Tests resolve every `@kindling/*` package to its TypeScript source, so a suite written in one
 * package (tensor's conformance suite, say) and a backend package under test share one module
 * instance, and with it one kernel and backend registry. A subpath export (`./models`) resolves to
 * the source file of its name; it comes before its package's entry, since the first alias that
 * matches an import wins and the package's own name matches its subpaths too.
 */
function sourceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const group of ['packages', 'apps']) {
    const groupDir = join(repoRoot, group);
    if (!existsSync(groupDir)) continue;
    for (const entry of readdirSync(groupDir, { withFileTypes: true })) {
      const packageDir = join(groupDir, entry.name);
      const entryPoint = join(packageDir, 'src', 'index.ts');
      if (!entry.isDirectory() || !existsSync(entryPoint)) continue;
      const { exports } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { exports?: Record<string, unknown> };
      for (const subpath of Object.keys(exports ?? {})) {
        const source = join(packageDir, 'src', `${subpath.slice(2)}.ts`);
        if (subpath.startsWith('./') && existsSync(source)) aliases[`@kindling/${entry.name}/${subpath.slice(2)}`] = source;
      }
      aliases[`@kindling/${entry.name}`] = entryPoint;
    }
  }
  return aliases;
}

export default defineConfig({
  resolve: { alias: sourceAliases() },
  test: {
    projects: workspaceProjects(),
  },
});
