/*
 * How the suites that need a browser start Debian's Chromium: headless, with WebGPU on SwiftShader's
 * Vulkan (a CPU driver), so they run on machines without a GPU. Shared by backend-webgpu's browser
 * project (vitest's playwright provider) and the playground's end-to-end test (playwright-core).
 */

/** Debian's chromium package; .ci/run installs it. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Chromium flags that give WebGPU on SwiftShader's Vulkan, headless (see shared/GPU.md). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-webgpu-adapter=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
