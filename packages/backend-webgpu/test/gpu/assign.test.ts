import { arange, tensor, type Tensor } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWebGpuBackend, type WebGpuBackend } from '../../src/index.js';
import { useWebGpu } from './use-webgpu.js';

/*
 * In-place writes (copy_): a row-major source written into a row-major run of another buffer is a
 * copy command, anything else (a strided window, a broadcast) a dispatch. Both paths agree with the
 * cpu backend.
 */

registerWebGpuBackend();

type Write = (device: string) => Tensor;

const CASES: [name: string, write: Write, copies: number][] = [
  ['rows of a matrix from a contiguous tensor', (device) => zerosOf([6, 4], device).slice(0, 2, 4).copy_(arange(0, 8, 1, { device }).reshape([2, 4]).float()), 1],
  ['a column of a matrix (strided)', (device) => zerosOf([3, 4], device).slice(1, 1, 2).copy_(tensor([[1], [2], [3]], { device })), 0],
  ['a broadcast scalar', (device) => zerosOf([2, 3], device).copy_(tensor(7, { device })), 0],
  // The op layer casts first and aliases are copied out first: what reaches the kernel is then plain.
  ['int32 values into float32, cast first', (device) => zerosOf([5], device).copy_(arange(0, 5, 1, { device })), 1],
  ['one window of a tensor into another of itself', (device) => {
    const x = arange(0, 8, 1, { device }).float();
    x.slice(0, 0, 4).copy_(x.slice(0, 4, 8));
    return x;
  }, 1],
];

function zerosOf(shape: number[], device: string): Tensor {
  return tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), { shape, device });
}

describe("webgpu's copy_", () => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    backend = await useWebGpu();
  });

  CASES.forEach(([name, write, copies]) => {
    it(`writes ${name} as cpu does, with ${copies === 1 ? 'a copy command' : 'a dispatch'}`, async () => {
      const want = write('cpu');
      await backend.flush();
      const before = backend.stats();
      const got = write('webgpu');
      await backend.flush();
      const after = backend.stats();
      expect(Array.from(await got.data(), Number)).toEqual(Array.from(await want.data(), Number));
      expect(after.copies - before.copies).toBe(copies);
    });
  });
});
