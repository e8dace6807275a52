import { defineProject } from 'vitest/config';
import { repoRoot, sourceAliases } from '../backend-webgpu/vitest.config.js';

/** The Node project: the suites in webasm mode and mode selection. test/browser/ runs in Chromium (vitest.browser.config.ts). */
export default defineProject({
  resolve: { alias: sourceAliases() },
  test: {
    name: 'backend-gpujs',
    root: repoRoot,
    include: ['packages/backend-gpujs/test/*.test.ts'],
  },
});
