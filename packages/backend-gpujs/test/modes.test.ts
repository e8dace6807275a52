import { afterEach, describe, expect, it, vi } from 'vitest';
import { GPUJS_MODES } from '../src/index.js';
import { chooseMode, requestedMode } from '../src/modes.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('choosing the gpu.js mode', () => {
  it('takes the explicit mode first, then KINDLING_GPUJS_MODE, else none', () => {
    vi.stubEnv('KINDLING_GPUJS_MODE', '');
    expect(requestedMode()).toBeUndefined();
    vi.stubEnv('KINDLING_GPUJS_MODE', 'webgl2');
    expect(requestedMode()).toBe('webgl2');
    expect(requestedMode('webasm')).toBe('webasm');
  });

  it('names the valid modes when asked for an unknown one', () => {
    vi.stubEnv('KINDLING_GPUJS_MODE', 'cuda');
    expect(() => requestedMode()).toThrow("KINDLING_GPUJS_MODE='cuda' is not a gpu.js mode (expected one of webgpu, webgl2, headlessgl, webasm)");
  });

  it('falls back through the modes best first, recording why each better one could not start', async () => {
    const { mode, skipped } = await chooseMode();
    const chosen = GPUJS_MODES.indexOf(mode);
    expect(skipped.map((s) => s.mode)).toEqual(GPUJS_MODES.slice(0, chosen));
    for (const { reason } of skipped) expect(reason.length).toBeGreaterThan(10);
  });

  it('explains in Node why webgl2 and (without its native build) headless-gl do not start', async () => {
    const { skipped } = await chooseMode();
    const reasons = new Map(skipped.map((s) => [s.mode, s.reason]));
    if (reasons.has('webgl2')) expect(reasons.get('webgl2')).toMatch(/browsers only/);
    if (reasons.has('headlessgl')) expect(reasons.get('headlessgl')).toMatch(/'gl' package does not load|could not create a WebGL context/);
    // Dawn's prebuilt binary needs glibc 2.38; where it does not load, the loader's message is the reason.
    if (reasons.has('webgpu')) expect(reasons.get('webgpu')).toMatch(/webgpu|adapter/);
  });

  it('skips webasm at the start, saying why, where no WebAssembly memory can be made (under ulimit -v)', async () => {
    // By its shape: TypeScript declares the WebAssembly namespace only in its DOM libraries.
    const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { Memory: () => object } };
    vi.spyOn(wasm, 'Memory').mockImplementation(function () {
      throw new RangeError('WebAssembly.Memory(): could not allocate memory');
    });
    try {
      await expect(chooseMode('webasm')).rejects.toThrow(
        "gpu.js mode 'webasm' is unavailable: no WebAssembly memory can be made (WebAssembly.Memory(): could not allocate memory); a limit on virtual memory (ulimit -v) does this",
      );
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('starts exactly the requested mode, or says why it cannot', async () => {
    await expect(chooseMode('webasm')).resolves.toEqual({ mode: 'webasm', skipped: [] });
    await expect(chooseMode('webgl2')).rejects.toThrow("gpu.js mode 'webgl2' is unavailable: no WebGL2 context");
  });

  it('lets KINDLING_GPUJS_MODE pick the mode of the registered backend, and reports a bad value as unavailable', async () => {
    vi.stubEnv('KINDLING_GPUJS_MODE', 'webasm');
    const tensorModule = await import('@kindling/tensor');
    const { registerGpuJsBackend, GpuJsBackend } = await import('../src/index.js');
    registerGpuJsBackend();
    const backend = await tensorModule.setBackend('gpujs');
    expect(backend).toBeInstanceOf(GpuJsBackend);
    expect(backend instanceof GpuJsBackend && backend.mode).toBe('webasm');

    vi.resetModules();
    vi.stubEnv('KINDLING_GPUJS_MODE', 'webgl3');
    const fresh = await import('@kindling/tensor');
    (await import('../src/index.js')).registerGpuJsBackend();
    await expect(fresh.setBackend('gpujs')).rejects.toThrow(/backend 'gpujs' is unavailable: KINDLING_GPUJS_MODE='webgl3' is not a gpu.js mode/);
  });
});
