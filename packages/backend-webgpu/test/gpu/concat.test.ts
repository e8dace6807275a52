import { cat, tensor, type Tensor } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWebGpuBackend, type WebGpuBackend } from '../../src/index.js';
import { useWebGpu } from './use-webgpu.js';

/*
 * Concat fills an input's slab of the result with a copy command where the slab is one run of the
 * output and the input is row-major, and with a dispatch otherwise: both paths, and cats that mix
 * them, agree with the cpu backend, and a copy costs no dispatch.
 */

registerWebGpuBackend();

type Make = (shape: number[], dtype?: 'float32' | 'int32' | 'bool') => Tensor;

/** Tensors of the same distinct values on any device; each call gives the next values. */
function makerFor(device: string): Make {
  let next = 0;
  return (shape, dtype = 'float32') => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: size }, () => ((next++ * 7) % 23) - 11 + (dtype === 'float32' ? 0.25 : 0));
    return tensor(dtype === 'bool' ? values.map((v) => Number(v > 0)) : values, { shape, dtype, device });
  };
}

const CASES: [name: string, build: (make: Make) => Tensor][] = [
  ['1-D float32 tensors', (make) => cat([make([5]), make([3]), make([7])])],
  ['1-D int32 tensors', (make) => cat([make([4], 'int32'), make([6], 'int32')])],
  ['1-D bool tensors', (make) => cat([make([3], 'bool'), make([5], 'bool'), make([2], 'bool')])],
  ['views with an offset', (make) => cat([make([20]).slice(0, 3, 11), make([4, 6]).slice(0, 1, 3).reshape([-1]), make([2, 3]).reshape([-1])])],
  ['2-D tensors along dim 0, one of them an offset view', (make) => cat([make([2, 3]), make([5, 3]).slice(0, 2, 5), make([1, 3])], 0)],
  ['2-D tensors along dim 0 with a transposed input (copy and dispatch mixed)', (make) => cat([make([2, 4]), make([4, 3]).T, make([1, 4])], 0)],
  ['2-D tensors along dim 1', (make) => cat([make([3, 2]), make([3, 5]), make([4, 3]).T], 1)],
  ['along dim 1 under a unit dim 0', (make) => cat([make([1, 2, 3]), make([1, 4, 3])], 1)],
  ['a stepped slice along dim 0', (make) => cat([make([3]), make([10]).slice(0, 0, 10, 2)])],
  ['an empty input', (make) => cat([make([0, 3]), make([2, 3])], 0)],
];

async function valuesOf(t: Tensor): Promise<number[]> {
  return Array.from(await t.data(), Number);
}

describe("webgpu's Concat", () => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    backend = await useWebGpu();
  });

  CASES.forEach(([name, build]) => {
    it(`agrees with cpu: ${name}`, async () => {
      const want = build(makerFor('cpu'));
      const got = build(makerFor('webgpu'));
      expect(got.shape).toEqual(want.shape);
      expect(got.dtype).toBe(want.dtype);
      expect(await valuesOf(got)).toEqual(await valuesOf(want));
    });
  });

  it("concatenates an optimizer's flattened gradients with copies and no dispatch", async () => {
    const make = makerFor('webgpu');
    const grads = [make([4, 3]), make([3]), make([2, 2, 2]), make([1]), make([5])];
    const before = backend.stats();
    const flat = cat(grads.map((g) => g.reshape([-1])));
    const after = backend.stats();
    expect(after.dispatches - before.dispatches).toBe(0);
    expect(after.copies - before.copies).toBe(5);
    const parts = await Promise.all(grads.map(valuesOf));
    expect(await valuesOf(flat)).toEqual(parts.flat());
  });

  it('dispatches only for the inputs a copy cannot place', async () => {
    const make = makerFor('webgpu');
    const rowMajor = make([2, 3]);
    const transposed = make([3, 2]).T;
    const mixed = backend.stats();
    cat([rowMajor, transposed], 0);
    const alongRows = backend.stats();
    cat([rowMajor, make([2, 4])], 1);
    const after = backend.stats();
    expect([alongRows.dispatches - mixed.dispatches, alongRows.copies - mixed.copies]).toEqual([1, 1]);
    expect([after.dispatches - alongRows.dispatches, after.copies - alongRows.copies]).toEqual([2, 0]);
  });
});
