import { BackendUnavailableError, getBackend, listBackends, probeBackends, ready, setBackend } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { describeLoadFailure, registerWebGpuBackend } from '../src/index.js';

/*
 * In Node the backend loads Dawn from the `webgpu` package. On this project's Debian 12 machines
 * and CI there is no usable adapter (no GPU, no Vulkan driver; older `webgpu` builds do not even
 * load on glibc 2.36), so the backend must report itself unavailable with the reason and let the
 * registry fall back. Where a GPU does answer, the same test checks a real computation instead.
 */
describe('the webgpu backend in Node', () => {
  it('registers without starting anything, and falls back with a reason when no adapter answers', async () => {
    registerWebGpuBackend();
    registerWebGpuBackend(); // a second call is harmless
    expect(listBackends().find((b) => b.name === 'webgpu')).toEqual({ name: 'webgpu', priority: 2, available: 'not probed yet' });

    const infos = await probeBackends();
    const webgpu = infos.find((b) => b.name === 'webgpu');
    if (webgpu?.available) {
      await setBackend('webgpu');
      const { tensor } = await import('@kindling/tensor');
      expect(Array.from(await tensor([[1, 2]]).matmul(tensor([[3], [4]])).data())).toEqual([11]);
      return;
    }
    expect(webgpu).toMatchObject({ available: false });
    expect(webgpu?.reason).toMatch(/no WebGPU adapter answered|GLIBC|could not be loaded/);
    const failure = await setBackend('webgpu').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BackendUnavailableError);
    expect(String(failure)).toContain(webgpu?.reason);
    // The default is the best backend that starts: here, the next one down.
    expect((await ready()).name).not.toBe('webgpu');
    expect(getBackend().name).not.toBe('webgpu');
  });

  it("reports a loader failure, such as Dawn's glibc requirement, as the reason", async () => {
    const { listBackends: list, setBackend: set } = await import('@kindling/tensor');
    registerWebGpuBackend();
    const glibc = "/node_modules/webgpu/dist/linux-x64.dawn.node: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.38' not found";
    const reason = describeLoadFailure(new Error(glibc));
    expect(reason).toContain('GLIBC_2.38');
    expect(reason).toMatch(/needs a newer glibc/);
    expect(describeLoadFailure(new Error('Cannot find module'))).toMatch(/the 'webgpu' package \(Dawn\) could not be loaded: Cannot find module/);
    expect(list().some((b) => b.name === 'webgpu')).toBe(true);
    await expect(set('no-such-backend')).rejects.toBeInstanceOf(BackendUnavailableError);
  });

  it('does not install WebGPU globals for the user', async () => {
    registerWebGpuBackend();
    await probeBackends();
    expect(Reflect.get(globalThis, 'GPUBufferUsage')).toBeUndefined();
    expect(Reflect.has(globalThis, 'navigator') && Reflect.get(Reflect.get(globalThis, 'navigator') as object, 'gpu')).toBeFalsy();
  });
});
