import { describe, expectTypeOf, it } from 'vitest';
import type { GpuLike, GpuPowerPreference, WebGpuBackendOptions } from '../src/index.js';

/*
 * The published types declare their own WebGPU shapes (so that they need no DOM lib); these checks,
 * enforced by `pnpm typecheck`, keep them in step with @webgpu/types, which browsers' users have.
 */
describe('the structural WebGPU types', () => {
  it('accept a GPU from @webgpu/types (navigator.gpu, Dawn) as the gpu option', () => {
    expectTypeOf<GPU>().toExtend<GpuLike>();
    expectTypeOf<() => Promise<GPU>>().toExtend<NonNullable<WebGpuBackendOptions['gpu']>>();
    expectTypeOf<() => GPU>().toExtend<NonNullable<WebGpuBackendOptions['gpu']>>();
  });

  it("name WebGPU's power preferences exactly", () => {
    expectTypeOf<GpuPowerPreference>().toEqualTypeOf<GPUPowerPreference>();
  });

  it('refuse an object without requestAdapter', () => {
    expectTypeOf<{ getPreferredCanvasFormat(): string }>().not.toExtend<GpuLike>();
  });
});
