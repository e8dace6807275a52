import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test-support/chromium.js';
import { repoRoot, sourceAliases } from './vitest.config.js';

const nodeBuiltins = fileURLToPath(new URL('test/gpu/node-builtins.ts', import.meta.url));

export default defineProject({
  resolve: {
    // nn's conformance suite imports Node built-ins at top level (for its file tests); the browser
    // gets throwing stand-ins.
    alias: {
      ...sourceAliases(),
      ...Object.fromEntries(['node:fs/promises', 'node:os', 'node:path', 'node:url'].map((name) => [name, nodeBuiltins])),
    },
  },
  test: {
    name: 'backend-webgpu-browser',
    root: repoRoot,
    include: ['packages/backend-webgpu/test/gpu/**/*.test.ts'],
    // SwiftShader runs WebGPU on the CPU: generous limits keep a busy CI machine from timing out.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    browser: {
      enabled: true,
      provider: 'playwright',
      headless: true,
      screenshotFailures: false,
      instances: [{ browser: 'chromium', launch: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] } }],
    },
  },
});
