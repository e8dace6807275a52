import { full, Generator, rand, tensor, tidy, where, type Tensor } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWebGpuBackend, type WebGpuBackend } from '../../src/index.js';
import { useWebGpu } from './use-webgpu.js';

/*
 * Elementwise chains held back and encoded as one dispatch: the values against the cpu backend's,
 * and the dispatches each chain costs.
 */

registerWebGpuBackend();

type Build = (make: (shape: number[], seed: number) => Tensor) => Tensor | Tensor[];

function maker(device: string): (shape: number[], seed: number) => Tensor {
  return (shape, seed) => {
    const values = rand(shape, { generator: new Generator(seed), device: 'cpu' }).mul(4).sub(2);
    return tensor(values.dataSync(), { shape, device });
  };
}

let backend: WebGpuBackend;

/** The results of `build` on webgpu, checked against cpu's, and the dispatches webgpu took for them. */
async function run(build: Build, tolerance = 1e-5): Promise<number> {
  const want = [build(maker('cpu'))].flat();
  const inputs = maker('webgpu');
  const uploaded = new Map<number, Tensor>();
  const cached = (shape: number[], seed: number): Tensor => {
    const known = uploaded.get(seed);
    if (known) return known;
    const made = inputs(shape, seed);
    uploaded.set(seed, made);
    return made;
  };
  // A first run uploads the inputs (and compiles the pipelines), so that only the chain is counted.
  build(cached);
  await backend.flush();
  const before = backend.stats().dispatches;
  const got = [build(cached)].flat();
  const values = await Promise.all(got.map(async (t) => Array.from(await t.data(), Number)));
  const dispatches = backend.stats().dispatches - before;
  values.forEach((list, k) => {
    const expected = Array.from(want[k]?.dataSync() ?? [], Number);
    expect(list.length).toBe(expected.length);
    list.forEach((value, i) => {
      const target = expected[i] as number;
      if (Number.isNaN(target)) expect(value, `output ${k}[${i}]`).toBeNaN();
      else expect(Math.abs(value - target), `output ${k}[${i}]: ${value} against ${target}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(target)));
    });
  });
  return dispatches;
}

describe('elementwise chains on webgpu', () => {
  beforeAll(async () => {
    backend = await useWebGpu();
  });

  it('runs a chain with scalar operands as one dispatch, the scalars as uniforms', async () => {
    expect(await run((make) => make([5, 7], 1).mul(2).add(make([5, 7], 2)).relu().sub(0.5).exp())).toBe(1);
  });

  it('writes every intermediate still held, in the same dispatch', async () => {
    expect(await run((make) => {
      const a = make([3, 4], 1).mul(3);
      const b = a.add(make([3, 4], 2));
      return [a, b, b.tanh()];
    })).toBe(1);
  });

  it('skips the intermediates a tidy freed, and still gives the result', async () => {
    expect(await run((make) => {
      const [x, y] = [make([64], 1), make([64], 2)];
      return tidy(() => x.sigmoid().mul(y).neg().abs());
    })).toBe(1);
  });

  it('reads broadcast operands through their strides', async () => {
    expect(await run((make) => make([4, 6], 1).add(make([1, 6], 2)).mul(make([4, 1], 3)).maximum(make([6], 4)))).toBe(1);
  });

  it('cuts the chain where an intermediate is read through another layout', async () => {
    expect(await run((make) => make([4, 6], 1).mul(2).transpose(0, 1).add(make([6, 4], 2)))).toBe(2);
  });

  it('fuses comparisons, where and casts across dtypes', async () => {
    expect(await run((make) => {
      const x = make([10], 1);
      return where(x.gt(0), x, x.mul(0.1)).mul(10).int().add(3).float();
    })).toBe(1);
  });

  it('holds float and int helpers in one program', async () => {
    expect(await run((make) => [make([6], 1).pow(3), make([6], 2).mul(3).int().pow(2)])).toBe(1);
  });

  it('splits a chain longer than one program holds, and one reading more buffers than a dispatch binds', async () => {
    // Each intermediate is freed as the loop goes, so only the op count bounds a chain.
    const long = await run((make) => {
      let x = make([33], 1).mul(1);
      for (let i = 0; i < 40; i++) {
        const scaled = x.mul(1.01);
        x.dispose();
        x = scaled.add(0.01);
        scaled.dispose();
      }
      return x;
    });
    expect(long).toBeGreaterThan(1);
    expect(long).toBeLessThanOrEqual(5);
    const wide = await run((make) => {
      let sum = make([17], 0);
      for (let seed = 1; seed < 20; seed++) sum = sum.add(make([17], seed));
      return sum;
    });
    expect(wide).toBeGreaterThan(1);
    expect(wide).toBeLessThan(19);
  });

  it('runs the ops that read a matmul product element for element as its epilogue', async () => {
    expect(await run((make) => make([5, 7], 1).matmul(make([7, 6], 2)).add(make([5, 6], 3)).mul(0.5).tanh())).toBe(1);
    expect(await run((make) => {
      const product = make([2, 5, 7], 1).matmul(make([7, 9], 2));
      return [product, product.add(make([9], 3)).relu()];
    })).toBe(1);
  });

  it('runs the ops that read a reduction element for element as its epilogue', async () => {
    // A variance's `+ eps` and square root, the result read through a keepdim's unit dim.
    expect(await run((make) => {
      const x = make([6, 40], 1);
      return x.mul(x).mean(-1, true).add(1e-5).sqrt();
    })).toBe(2);
    expect(await run((make) => {
      const x = make([6, 40], 1);
      return tidy(() => x.sum(-1).mul(0.5).tanh());
    })).toBe(1);
    // The sum itself is held, so it is written too; an op of another shape starts a chain of its own.
    expect(await run((make) => {
      const x = make([6, 40], 1);
      const total = x.sum(0);
      return [total, total.exp(), x.sub(total)];
    })).toBe(2);
    // Only a scalar joins: the reduction writes it as it stores its results.
    expect(await run((make) => [make([3, 8], 1).max(), full([], 2, { device: make([1], 0).device }).mul(3)])).toBeLessThanOrEqual(2);
  });

  it("sums a linear layer's bias gradient in the matmul of its weight gradient", async () => {
    // g [batch, out] summed over the batch, beside gᵀ·x: several tiles of rows, of k and of columns.
    expect(await run((make) => {
      const [g, x] = [make([37, 70], 1), make([37, 130], 2)];
      return [g.sum(0), g.transpose(0, 1).matmul(x)];
    })).toBe(1);
    // A sequence batch [N, T, out], flattened for the weight gradient.
    expect(await run((make) => {
      const [g, x] = [make([2, 9, 5], 1), make([18, 3], 2)];
      return [g.sum([0, 1]), g.reshape([18, 5]).transpose(0, 1).matmul(x)];
    })).toBe(1);
    // A sum over other dims, or of another tensor, stays a reduction of its own.
    expect(await run((make) => {
      const [g, x] = [make([6, 5], 1), make([6, 3], 2)];
      return [g.sum(1), g.transpose(0, 1).matmul(x)];
    })).toBe(2);
  });

  it('writes a scalar fill someone keeps', async () => {
    const five = full([], 5, { device: 'webgpu' });
    const twice = five.mul(2);
    expect(await twice.item()).toBe(10);
    expect(await five.item()).toBe(5);
  });
});
