import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

/**
 * The playground end to end: the built app (dist/, made by `pnpm build`) served on 127.0.0.1 and
 * driven in Debian's Chromium with WebGPU on SwiftShader. The test runs in Node; the `@kindling/*`
 * packages it imports to check the page's numbers resolve to their builds, as a user's would.
 */
export default defineProject({
  test: {
    name: 'playground-browser',
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['apps/playground/e2e/**/*.test.ts'],
    // SwiftShader runs WebGPU on the CPU, slowly (a training step of the tutorial's network takes
    // about a second on a busy 2-core machine): generous limits.
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
