import { crossEntropy, crossEntropyBackward, findBackend, Generator, tensor, type LossReduction, type Tensor, type View } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuJsBackend, GpuJsStorage } from '../src/index.js';
import { crossEntropyConfig, crossEntropyGradConfig } from '../src/kernels/loss.js';

/*
 * The fused cross-entropy kernels against the cpu oracle: each case builds its result from the
 * same values on `gpujs` and on `cpu`, and the two must agree (NaN matching NaN). Run in every
 * gpu.js mode: webasm in Node (loss.test.ts), webgl2 and webgpu in Chromium (browser/suites.ts).
 */

type Case = [name: string, build: (device: string) => Tensor | Tensor[]];

const REDUCTIONS: readonly LossReduction[] = ['none', 'sum', 'mean'];

/** Seeded normal values, scaled so that softmax rows are far from uniform. */
function randomValues(size: number, seed: number): number[] {
  const generator = new Generator(seed);
  return Array.from({ length: size }, () => generator.normal() * 3);
}

const floats = (values: number[], shape: number[], device: string) => tensor(values, { shape, device });
const ints = (values: number[], device: string) => tensor(values, { dtype: 'int32', shape: [values.length], device });

/** The loss with every reduction, and the gradient for each with gradOutput `g` ([n] for 'none', else 0-d). */
function lossesAndGradients(x: Tensor, t: Tensor, g: { rows: Tensor; scalar: Tensor }, ignoreIndex = -100): Tensor[] {
  return REDUCTIONS.flatMap((reduction) => [
    crossEntropy(x, t, { reduction, ignoreIndex }),
    crossEntropyBackward(x, t, reduction === 'none' ? g.rows : g.scalar, { reduction, ignoreIndex }),
  ]);
}

const mixed = randomValues(6 * 5, 1);
const mixedTargets = [0, 4, -100, 2, -100, 1];
const rowGrads = randomValues(6, 2);
const wide = randomValues(10 * 9, 3);
const mnist = randomValues(128 * 10, 4);
const mnistTargets = Array.from({ length: 128 }, (_, i) => (i % 17 === 0 ? -100 : (i * 7) % 10));

const CASES: Case[] = [
  ['each reduction and gradient, with ignored rows', (d) =>
    lossesAndGradients(floats(mixed, [6, 5], d), ints(mixedTargets, d), { rows: floats(rowGrads, [6], d), scalar: tensor(-1.75, { device: d }) })],
  ['an ignoreIndex that is also a class index', (d) =>
    lossesAndGradients(floats(mixed, [6, 5], d), ints([0, 3, 3, 2, 4, 1], d), { rows: floats(rowGrads, [6], d), scalar: tensor(0.5, { device: d }) }, 3)],
  ["every row ignored: 'mean' is NaN, 'sum' 0, the gradient 0", (d) =>
    lossesAndGradients(floats(mixed.slice(0, 10), [2, 5], d), ints([-100, -100], d), { rows: floats([1, 2], [2], d), scalar: tensor(1, { device: d }) })],
  ['transposed logits (a [c, n] tensor seen as [n, c])', (d) =>
    lossesAndGradients(floats(mixed, [5, 6], d).transpose(0, 1), ints(mixedTargets, d), { rows: floats(rowGrads, [6], d), scalar: tensor(2, { device: d }) })],
  ['offset, stepped logits, targets and gradOutput', (d) => {
    const x = floats(wide, [10, 9], d).narrow(0, 3, 6).slice(1, 1, 9, 2);
    const t = ints([1, 9, 3, 9, -100, 9, 0, 9, 2, 9, 3, 9], d).slice(0, 0, 12, 2);
    const g = { rows: floats(randomValues(12, 5), [12], d).slice(0, 1, 12, 2), scalar: floats([3, -0.5, 7], [3], d).select(0, 1) };
    return lossesAndGradients(x, t, g);
  }],
  ['logits broadcast along the classes (stride 0)', (d) =>
    lossesAndGradients(floats(mixed.slice(0, 6), [6, 1], d).expand([6, 4]), ints([0, 3, -100, 2, 1, 1], d), { rows: floats(rowGrads, [6], d), scalar: tensor(1, { device: d }) })],
  ['one class', (d) => lossesAndGradients(floats(mixed.slice(0, 5), [5, 1], d), ints([0, 0, -100, 0, 0], d), { rows: floats(rowGrads.slice(0, 5), [5], d), scalar: tensor(0.25, { device: d }) })],
  ['no rows', (d) => lossesAndGradients(floats([], [0, 4], d), ints([], d), { rows: floats([], [0], d), scalar: tensor(1, { device: d }) })],
  ['nearby large logits (stability)', (d) =>
    lossesAndGradients(floats([1000, 1001, 999, -1000, -1001, -999], [2, 3], d), ints([1, 2], d), { rows: floats([1, -1], [2], d), scalar: tensor(1, { device: d }) })],
  ['the tutorial size: 128 rows of 10 classes', (d) =>
    lossesAndGradients(floats(mnist, [128, 10], d), ints(mnistTargets, d), { rows: floats(randomValues(128, 6), [128], d), scalar: tensor(1, { device: d }) })],
  ['targets computed on the device (argmax)', (d) => {
    const x = floats(mixed, [6, 5], d);
    return lossesAndGradients(x, x.neg().argmax(1), { rows: floats(rowGrads, [6], d), scalar: tensor(1, { device: d }) });
  }],
];

async function valuesOf(result: Tensor | Tensor[]): Promise<{ shape: readonly number[]; values: number[] }[]> {
  const list = Array.isArray(result) ? result : [result];
  return Promise.all(list.map(async (t) => ({ shape: t.shape, values: Array.from(await t.data(), Number) })));
}

async function expectAgreement(build: Case[1], tolerance = 1e-5): Promise<void> {
  const want = await valuesOf(build('cpu'));
  const got = await valuesOf(build('gpujs'));
  expect(got.map((r) => r.shape)).toEqual(want.map((r) => r.shape));
  got.forEach(({ values }, k) =>
    values.forEach((value, i) => {
      const expected = want[k]?.values[i] as number;
      if (Number.isNaN(expected)) expect(value, `output ${k}[${i}]`).toBeNaN();
      else expect(Math.abs(value - expected), `output ${k}[${i}]: ${value} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
    }),
  );
}

/** `t` as the kernels see it, to call them with targets the op layer would reject. */
function viewOf(t: Tensor): View<GpuJsStorage> {
  if (!(t.storage instanceof GpuJsStorage)) throw new Error('expected a gpujs tensor');
  return { storage: t.storage, dtype: t.dtype, shape: t.shape, strides: t.strides, offset: t.offset };
}

async function readAndRelease(backend: GpuJsBackend, storage: GpuJsStorage): Promise<number[]> {
  const values = Array.from(await backend.read(storage));
  backend.release(storage);
  return values;
}

export function lossAgreementSuite(): void {
  describe('gpujs cross-entropy kernels against cpu', () => {
    let backend: GpuJsBackend;
    beforeAll(() => {
      const found = findBackend('gpujs');
      if (!(found instanceof GpuJsBackend)) throw new Error('expected the gpujs backend');
      backend = found;
    });

    it.each(CASES)('%s', async (_, build) => {
      await expectAgreement(build);
    });

    it('runs in gpu.js, compiling each layout once', async () => {
      const run = () => valuesOf(lossesAndGradients(floats(mixed, [6, 5], 'gpujs'), ints(mixedTargets, 'gpujs'), { rows: floats(rowGrads, [6], 'gpujs'), scalar: tensor(1, { device: 'gpujs' }) }));
      await run();
      const compiled = backend.compiledKernelCount();
      await run();
      expect(backend.compiledKernelCount()).toBe(compiled);
      expect(backend.fallbacks.filter((f) => f.kernel.startsWith('CrossEntropy'))).toEqual([]);
    });

    it('gives NaN for a target that is neither ignoreIndex nor a class, in that row only', async () => {
      const x = viewOf(floats(mixed, [6, 5], 'gpujs'));
      const target = viewOf(ints([0, 5, -100, -1, 4, 1], 'gpujs'));
      const losses = await readAndRelease(backend, crossEntropyConfig.kernelFunc(backend, { logits: x, target, ignoreIndex: -100, reduction: 'none' }));
      expect(losses.map(Number.isNaN)).toEqual([false, true, false, true, false, false]);
      for (const reduction of ['sum', 'mean'] as const) {
        const [reduced] = await readAndRelease(backend, crossEntropyConfig.kernelFunc(backend, { logits: x, target, ignoreIndex: -100, reduction }));
        expect(reduced).toBeNaN();
      }
      const gradOutput = viewOf(tensor(1, { device: 'gpujs' }));
      const gradient = await readAndRelease(backend, crossEntropyGradConfig.kernelFunc(backend, { logits: x, target, gradOutput, ignoreIndex: -100, reduction: 'mean' }));
      const nanRows = [0, 1, 2, 3, 4, 5].map((row) => gradient.slice(row * 5, row * 5 + 5).map(Number.isNaN));
      expect(nanRows.map((row) => row.every(Boolean))).toEqual([false, true, false, true, false, false]);
      expect(nanRows.map((row) => row.some(Boolean))).toEqual([false, true, false, true, false, false]);
    });

    it('runs an ignoreIndex that float32 cannot hold on the cpu kernels, and says why', async () => {
      // 2^24 itself: 2^24 + 1 rounds to it in float32.
      const ignoreIndex = 2 ** 24;
      await expectAgreement((d) =>
        lossesAndGradients(floats(mixed, [6, 5], d), ints([0, 4, ignoreIndex, 2, ignoreIndex, 1], d), { rows: floats(rowGrads, [6], d), scalar: tensor(1, { device: d }) }, ignoreIndex),
      );
      const reasons = backend.fallbacks.filter((f) => f.kernel.startsWith('CrossEntropy'));
      expect(reasons.map((f) => f.kernel)).toEqual(['CrossEntropy', 'CrossEntropyGrad']);
      for (const { reason } of reasons) expect(reason).toMatch(/ignoreIndex of magnitude 2\^24 or more/);
    });
  });
}
