import { defineProject } from 'vitest/config';
import webgpuBrowser from '../backend-webgpu/vitest.browser.config.js';

/**
 * gpu.js's webgl2 and webgpu modes in Chromium, on @kindling/backend-webgpu's browser setup: the
 * same headless Chromium, whose SwiftShader flags give both a WebGL2 context and a WebGPU adapter,
 * and the same stand-ins for Node built-ins.
 */
export default defineProject({
  ...webgpuBrowser,
  test: { ...webgpuBrowser.test, name: 'backend-gpujs-browser', include: ['packages/backend-gpujs/test/browser/**/*.test.ts'] },
});
