import { setBackend, tensor, type Backend } from '@kindling/tensor';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { GpuJsBackend, registerGpuJsBackend } from '../src/index.js';

let backend: GpuJsBackend;

beforeAll(async () => {
  registerGpuJsBackend({ mode: 'webasm' });
  const started: Backend = await setBackend('gpujs');
  if (!(started instanceof GpuJsBackend)) throw new Error('expected the gpujs backend');
  backend = started;
});

describe('the gpujs backend', () => {
  it('runs webasm synchronously, without float64', () => {
    expect(backend.mode).toBe('webasm');
    expect(backend.synchronous).toBe(true);
    expect(backend.readSync).toBeTypeOf('function');
    expect(() => tensor([1], { dtype: 'float64' })).toThrow("dtype 'float64' is not supported by backend 'gpujs'");
  });

  it('compiles each specialisation once', async () => {
    const x = tensor([[1, 2], [3, 4]]);
    await x.exp().data();
    const compiled = backend.compiledKernelCount();
    await expect(x.mul(2).exp().data()).resolves.toBeDefined();
    const afterNew = backend.compiledKernelCount();
    await x.mul(2).exp().data();
    expect(backend.compiledKernelCount()).toBe(afterNew);
    expect(afterNew).toBeGreaterThan(compiled);
  });

  it('runs exact int32 arithmetic on the cpu kernels and records it, telling the user once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const big = tensor([2147483647, 16777217], { dtype: 'int32' });
    expect(Array.from(await big.add(1).data())).toEqual([-2147483648, 16777218]);
    expect(Array.from(await big.add(2).data())).toEqual([-2147483647, 16777219]);
    await big.eq(big).data();
    expect(backend.fallbacks).toEqual([
      { kernel: 'Binary', reason: expect.stringMatching(/int32 values stay exact in host memory/) },
      { kernel: 'Compare', reason: expect.stringMatching(/int32 values stay exact in host memory/) },
    ]);
    // One note points the user at backend.fallbacks; it does not repeat per kernel.
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/running Binary on the cpu backend's kernel .* backend\.fallbacks lists every such kernel/);
    warn.mockRestore();
  });

  it('keeps float32 work in gpu.js: a training step records no fallback', async () => {
    const before = backend.fallbacks.length;
    const x = tensor([[1, -2, 3], [4, 5, -6]]);
    const w = tensor([[0.5, -1], [2, 0], [1, 1]]);
    const logits = x.matmul(w).relu().logSoftmax(1);
    await expect(logits.sum().data()).resolves.toBeDefined();
    expect(backend.fallbacks.length).toBe(before);
  });
});
