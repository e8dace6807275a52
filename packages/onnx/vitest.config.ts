import { defineProject } from 'vitest/config';
import { repoRoot, sourceAliases } from '../backend-webgpu/vitest.config.js';

export { repoRoot, sourceAliases };

/** The importer, exporter, round trips and ONNX Runtime checks; ONNX's own cases are vitest.conformance.config.ts (and vitest.dawn.config.ts on webgpu). */
export default defineProject({
  resolve: { alias: sourceAliases() },
  test: {
    name: 'onnx',
    root: repoRoot,
    include: ['packages/onnx/test/*.test.ts'],
    testTimeout: 60_000,
  },
});
