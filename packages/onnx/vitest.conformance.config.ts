import { defineProject } from 'vitest/config';
import { repoRoot, sourceAliases } from './vitest.config.js';

/** ONNX's backend test cases from Debian's libonnx-testdata (the root config starts this project only where they are installed). */
export default defineProject({
  resolve: { alias: sourceAliases() },
  test: {
    name: 'onnx-conformance',
    root: repoRoot,
    include: ['packages/onnx/test/conformance/*.test.ts'],
    testTimeout: 600_000,
  },
});
