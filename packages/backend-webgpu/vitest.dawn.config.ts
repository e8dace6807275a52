import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { defineProject } from 'vitest/config';
import { repoRoot, sourceAliases } from './vitest.config.js';

/**
 * Chromium's copy of SwiftShader, a Vulkan driver that runs on the CPU. Pointing Vulkan's loader at
 * it gives Dawn in Node an adapter on machines without a GPU, so the Node path the trainer takes on
 * a real GPU (the `webgpu` package, its instance and event loop) is tested here too.
 */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

if (!existsSync(SWIFTSHADER_ICD)) {
  throw new Error(`${SWIFTSHADER_ICD} is missing: the Dawn suites need Debian's chromium (and libvulkan1); .ci/run installs both`);
}

/** The device suites (test/gpu/) and the Node-only ones (test/dawn/) on Dawn in Node, over SwiftShader's Vulkan. */
export default defineProject({
  resolve: { alias: sourceAliases() },
  test: {
    name: 'backend-webgpu-dawn',
    root: repoRoot,
    include: ['packages/backend-webgpu/test/gpu/**/*.test.ts', 'packages/backend-webgpu/test/dawn/**/*.test.ts'],
    // SwiftShader's WSI looks for a runtime dir it never uses; one that exists keeps it quiet.
    env: { VK_ICD_FILENAMES: SWIFTSHADER_ICD, XDG_RUNTIME_DIR: tmpdir() },
    // SwiftShader runs WebGPU on the CPU: generous limits keep a busy CI machine from timing out.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
