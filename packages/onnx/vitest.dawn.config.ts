import { tmpdir } from 'node:os';
import { defineProject } from 'vitest/config';
import { SWIFTSHADER_ICD } from '../backend-webgpu/vitest.dawn.config.js';
import { repoRoot, sourceAliases } from './vitest.config.js';

/** ONNX's backend test cases on the webgpu backend, on Dawn in Node over SwiftShader's Vulkan (as backend-webgpu's Dawn project). */
export default defineProject({
  resolve: { alias: sourceAliases() },
  test: {
    name: 'onnx-dawn',
    root: repoRoot,
    include: ['packages/onnx/test/dawn/*.test.ts'],
    env: { VK_ICD_FILENAMES: SWIFTSHADER_ICD, XDG_RUNTIME_DIR: tmpdir() },
    testTimeout: 600_000,
  },
});
