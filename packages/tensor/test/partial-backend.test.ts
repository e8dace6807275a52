import { describe, expect, it, vi } from 'vitest';
import {
  CpuBackend,
  fallbacksOf,
  getKernel,
  registerBackend,
  registerKernel,
  setBackend,
  tensor,
  type CpuStorage,
  type HostAccess,
  type KernelConfig,
} from '../src/index.js';
import { describeTensorConformance } from './conformance/index.js';

/*
 * A backend that registers one kernel, MatMul, and reaches the cpu fallback through host-visible
 * memory: the whole tensor conformance suite runs on it, through the fallback for everything else.
 */
class MatMulOnlyBackend extends CpuBackend {
  override readonly name = 'matmul-only';
  readonly hostAccess: HostAccess<CpuStorage> = {
    hostArray: (storage) => storage.values,
    aliasesStorage: true,
    adoptHost: (_dtype, _size, values) => {
      if (values instanceof Promise) throw new Error('synchronous backend handed pending values');
      return this.adopt(values);
    },
  };
}

// The fallback's one line on first use is asserted below; the suite itself need not print it.
const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
registerBackend('matmul-only', () => new MatMulOnlyBackend());
const cpuMatMul = getKernel('MatMul', 'cpu');
if (!cpuMatMul) throw new Error('the cpu MatMul kernel is not registered');
const matmulConfig: KernelConfig<'MatMul', MatMulOnlyBackend> = {
  kernelName: 'MatMul',
  backendName: 'matmul-only',
  kernelFunc: (backend, args) => cpuMatMul(backend, args) as CpuStorage,
};
registerKernel(matmulConfig);

describeTensorConformance('matmul-only');

/** A backend with no kernels and no hostAccess: the fallback works on copies (readSync, upload). */
class CopyingBackend extends CpuBackend {
  override readonly name = 'copying';
}
registerBackend('copying', () => new CopyingBackend());

function linesFrom(backendName: string): string[] {
  return warn.mock.calls.map((call) => String(call[0])).filter((line) => line.startsWith(`kindling ${backendName}:`));
}

describe('the cpu fallback', () => {
  it('lists each kernel it ran once, with its reason, quietly when it works on the memory in place', async () => {
    const backend = await setBackend('matmul-only');
    tensor([1, 2]).add(tensor([3, 4])).exp();
    const kernels = fallbacksOf(backend).map((f) => f.kernel);
    expect(kernels).toContain('Binary');
    expect(kernels).toContain('Unary');
    expect(kernels).not.toContain('MatMul');
    expect(new Set(kernels).size).toBe(kernels.length);
    expect(fallbacksOf(backend).every((f) => f.reason === 'the backend registers no kernel of its own for it')).toBe(true);
    expect(linesFrom('matmul-only')).toEqual([]);
  });

  it('says so once where it copies between the backend and the host', async () => {
    const backend = await setBackend('copying');
    const x = tensor([1, 2]);
    expect(Array.from(await x.add(3).mul(x).data())).toEqual([4, 10]);
    expect(fallbacksOf(backend).map((f) => f.kernel)).toEqual(['Fill', 'Binary']);
    const lines = linesFrom('copying');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/running Fill on the cpu backend's kernel \(the backend registers no kernel of its own for it\); backend\.fallbacks lists every such kernel/);
    await setBackend('cpu');
  });

  it('says how to fix a backend it cannot reach', async () => {
    class Opaque extends CpuBackend {
      override readonly name = 'opaque';
      override readonly synchronous = true;
    }
    const opaque = new Opaque();
    Reflect.deleteProperty(opaque, 'readSync');
    Object.defineProperty(opaque, 'readSync', { value: undefined });
    registerBackend('opaque', () => opaque);
    await setBackend('opaque');
    expect(() => tensor([1, 2]).add(1)).toThrow(/backend 'opaque' has no kernel '\w+' and no way for the cpu fallback to reach its memory: register/);
    await setBackend('cpu');
  });
});
