import { fromValues, matmul, type Tensor, type View } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { WorkersBackend, type WorkersStorage } from '../src/index.js';
import { matmulConfig } from '../src/kernels/matmul.js';
import { expectMatches, expectWithin, pair, workersBackend } from './helpers.js';

/**
 * Checks `x·y` (workers) against `a·b` (cpu, accumulated in float64) within the classic float32
 * summation bound k·u·Σ|a||b| (u = 2^-24), plus a few ulps of the result for the final rounding.
 */
function expectProduct(x: Tensor, y: Tensor, a: Tensor, b: Tensor): void {
  const k = a.shape[a.ndim - 1] as number;
  const bound = matmul(a.abs(), b.abs()).mul((k + 4) * 2 ** -24).add(1e-30);
  expectWithin(matmul(x, y), matmul(a, b), bound);
}

type Layout = 'nn' | 'nt' | 'tn' | 'tt';

/** [m, k]·[k, n] with each operand stored as given or as a transposed view of its transpose. */
function operands(m: number, k: number, n: number, layout: Layout, seed: number): { cpu: [Tensor, Tensor]; workers: [Tensor, Tensor] } {
  const transposed = ([cpu, workers]: [Tensor, Tensor]): [Tensor, Tensor] => [cpu.transpose(0, 1), workers.transpose(0, 1)];
  const [aCpu, aWorkers] = layout[0] === 't' ? transposed(pair([k, m], seed)) : pair([m, k], seed);
  const [bCpu, bWorkers] = layout[1] === 't' ? transposed(pair([n, k], seed + 1)) : pair([k, n], seed + 1);
  return { cpu: [aCpu, bCpu], workers: [aWorkers, bWorkers] };
}

describe('workers matmul against cpu', () => {
  let backend: WorkersBackend;
  beforeAll(async () => {
    backend = await workersBackend();
  });

  // Odd sizes exercise the ragged row tiles (m % 4) and zero-padded panels (n % 8); the large
  // ones are split across threads by column chunks (n >= 128) or by row chunks.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 8, 8],
    [13, 17, 19],
    [64, 33, 130],
    [130, 9, 10],
    [128, 784, 512],
    [784, 128, 512],
    [300, 600, 40],
  ];
  for (const [m, k, n] of shapes) {
    for (const layout of ['nn', 'nt', 'tn', 'tt'] as const) {
      it(`${m}×${k}×${n} ${layout}`, () => {
        const { cpu, workers } = operands(m, k, n, layout, m + k + n);
        expectProduct(...workers, ...cpu);
      });
    }
  }

  it('splits large products across the pool', async () => {
    const { cpu, workers } = operands(256, 256, 256, 'nn', 5);
    const expected = matmul(...cpu);
    // The cpu products above can outlast a worker's idle timeout: wait for the pool to be back.
    await backend.ready();
    const before = backend.pool.stats.posted + backend.pool.stats.retracted;
    const product = matmul(...workers);
    expect(backend.pool.stats.posted + backend.pool.stats.retracted).toBeGreaterThan(before);
    expectWithin(product, expected, matmul(cpu[0].abs(), cpu[1].abs()).mul(260 * 2 ** -24));
  });

  it('handles batches, broadcast batches, offsets and k = 0', () => {
    const [a, x] = pair([3, 2, 5, 6], 1);
    const [b, y] = pair([2, 6, 7], 2);
    expectProduct(x, y, a, b);
    const [c, z] = pair([9, 6, 7], 3);
    expectProduct(x.narrow(0, 1, 2), z.narrow(0, 2, 2).narrow(2, 1, 5), a.narrow(0, 1, 2), c.narrow(0, 2, 2).narrow(2, 1, 5));
    const [e, u] = pair([4, 0], 4);
    const [f, v] = pair([0, 3], 5);
    expectMatches(matmul(u, v), matmul(e, f));
  });

  it('gives the same products with the plain-SIMD kernels as with the fused multiply-add ones', async () => {
    const plain = new WorkersBackend({ threads: 2, relaxedSimd: false });
    expect(plain.relaxedSimd).toBe(false);
    await plain.ready();
    // `t`'s whole storage copied to `plain`, seen through `t`'s strides: transposes stay views.
    const viewOn = (t: Tensor): View<WorkersStorage> => ({
      storage: plain.upload(t.backend.readSync?.(t.storage) ?? new Float32Array(0)),
      dtype: t.dtype,
      shape: t.shape,
      strides: t.strides,
      offset: t.offset,
    });
    for (const layout of ['nn', 'nt', 'tn'] as const) {
      const { cpu } = operands(37, 130, 70, layout, 9);
      const product = matmulConfig.kernelFunc(plain, { a: viewOn(cpu[0]), b: viewOn(cpu[1]) });
      const bound = matmul(cpu[0].abs(), cpu[1].abs()).mul(134 * 2 ** -24);
      expectWithin(fromValues(plain.readSync(product), [37, 70], 'cpu'), matmul(...cpu), bound);
    }
    await plain.shutdown();
  });

  it('falls back to the cpu kernel for float64 and int32', () => {
    const [a, x] = pair([5, 6], 6);
    const [b, y] = pair([6, 3], 7);
    expectMatches(matmul(x.double(), y.double()), matmul(a.double(), b.double()));
    expectMatches(matmul(x.mul(4).int(), y.mul(4).int()), matmul(a.mul(4).int(), b.mul(4).int()));
  });
});
