import { contiguousStrides, math, operand, tensor, type MathExpr } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWebGpuBackend, type WebGpuBackend } from '../../src/index.js';
import { workgroupGrid } from '../../src/program.js';
import { declaredBody } from '../../src/programs/declared.js';
import { ElementwiseProgram } from '../../src/programs/elementwise.js';
import { useWebGpu } from './use-webgpu.js';

/*
 * The WGSL generated from a tree of the declared math (programs/declared.ts), for a composite that
 * no table lists: what the cpu backend computes from the same ops, and the special values.
 */

registerWebGpuBackend();

let backend: WebGpuBackend;
beforeAll(async () => {
  backend = await useWebGpu();
});

/** `tree` over the float32 `values` on webgpu, as one generated program (`name` keys its pipeline). */
async function generated(name: string, tree: MathExpr, values: number[]): Promise<number[]> {
  const shape = [values.length];
  const input = backend.upload(Float32Array.from(values));
  const output = backend.allocate('float32', values.length);
  const program = new ElementwiseProgram(`test:${name}`, [{ dtype: 'float32', contiguous: true }], 'float32', 1, declaredBody(tree, 'float32', 'float32', 'a test composite'));
  const view = { storage: input, dtype: 'float32' as const, shape, strides: contiguousStrides(shape), offset: 0 };
  backend.dispatch(program, [input], [output], program.uniforms(values.length, shape, [view]), workgroupGrid(Math.ceil(values.length / 64)));
  const read = [...(await backend.read(output))];
  backend.release(input);
  backend.release(output);
  return read;
}

describe('webgpu kernels generated from the declared math', () => {
  it('computes exact GELU, 0.5·x·(1 + erf(x/√2)), as the cpu backend composes it', async () => {
    const x = operand(0);
    const gelu = math.mul(math.mul(0.5, x), math.add(1, math.erf(math.div(x, Math.SQRT2))));
    const values = [-4, -1.5, -0.25, 0, 0.3, 1, 2.5, 6];
    const cpu = tensor(values, { device: 'cpu' });
    const want = cpu.mul(0.5).mul(cpu.div(Math.SQRT2).erf().add(1)).dataSync();
    const got = await generated('gelu', gelu, values);
    got.forEach((value, i) => expect(value).toBeCloseTo(want[i] as number, 6));
  });

  it('keeps NaN and infinities through a select and a comparison', async () => {
    const x = operand(0);
    const leaky = math.select(math.lt(x, 0), math.mul(x, 0.01), x);
    expect(await generated('leakyRelu', leaky, [NaN, -Infinity, Infinity, -2, 3])).toEqual([NaN, -Infinity, Infinity, Math.fround(-0.02), 3]);
  });
});
