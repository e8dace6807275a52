import { describe, expect, it } from 'vitest';
import { createWebGpuBackend, type GpuLike } from '../src/index.js';

/** A `GPU` whose adapter request behaves as the test says, for the factory's failure paths. */
function fakeGpu(adapter: GPUAdapter | null): GPU {
  return {
    requestAdapter: () => Promise.resolve(adapter),
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: new Set<string>(),
    __brand: 'GPU',
  };
}

describe('createWebGpuBackend', () => {
  it('rejects with the reason when no adapter answers', async () => {
    await expect(createWebGpuBackend({ gpu: () => fakeGpu(null) })).rejects.toThrow(/no WebGPU adapter answered/);
  });

  it("rejects with the loader's message when WebGPU cannot be loaded", async () => {
    const loader = () => Promise.reject(new Error("version `GLIBC_2.38' not found"));
    await expect(createWebGpuBackend({ gpu: loader })).rejects.toThrow(/GLIBC_2\.38/);
  });

  it('rejects, saying what to pass, when the gpu option gives an object without requestAdapter', async () => {
    // What a JavaScript caller can pass; the types refuse it.
    const notGpu = { adapter: null } as unknown as GpuLike;
    await expect(createWebGpuBackend({ gpu: () => notGpu })).rejects.toThrow(/without requestAdapter\(\); return navigator\.gpu/);
  });
});
