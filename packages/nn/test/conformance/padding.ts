import { gradcheck, Variable } from '@kindling/autograd';
import { manualSeed, randn, tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { functional as F, type PadMode } from '../../src/index.js';
import { expectSpec, expectValues, fromSpec, readFixture, type TensorSpec } from './harness.js';

interface PadCase {
  kind: 'pad';
  name: string;
  pad: number[];
  mode: PadMode;
  value: number;
  x: TensorSpec;
  upstream: TensorSpec;
  expected: { output: TensorSpec; inputGrad: TensorSpec };
}

const padCases = readFixture<{ kind: string }[]>('nn.json').filter((c): c is PadCase => c.kind === 'pad');

/** F.pad in its four modes: PyTorch parity, finite differences, and errors that name the dim. */
export function paddingSuite(float64: boolean): void {
  describe('F.pad', () => {
    it('has fixtures of every mode', () => {
      expect(new Set(padCases.map((c) => c.mode))).toEqual(new Set(['constant', 'reflect', 'replicate', 'circular']));
    });

    for (const c of padCases) {
      it(`matches PyTorch forward and backward: ${c.name}`, async () => {
        const x = new Variable(fromSpec(c.x), { requiresGrad: true });
        const output = F.pad(x, c.pad, c.mode, c.value);
        await expectSpec(output, c.expected.output);
        output.mul(fromSpec(c.upstream)).sum().backward();
        await expectSpec(x.grad, c.expected.inputGrad);
      });
    }

    it.skipIf(!float64)('has gradients that agree with finite differences in every mode (needs float64)', async () => {
      manualSeed(0);
      const x = new Variable(randn([1, 2, 4, 5], { dtype: 'float64' }), { requiresGrad: true });
      for (const mode of ['constant', 'reflect', 'replicate', 'circular'] as const) {
        expect(await gradcheck((v) => F.pad(v, [2, 1, 1, 3], mode, 0.5), [x]), mode).toBe(true);
      }
    });

    it('pads plain tensors, and refuses pads that do not fit, naming the dim and the mode', async () => {
      await expectValues(F.pad(tensor([[1, 2, 3]]), [1, 1], 'reflect'), [2, 1, 2, 3, 2], { shape: [1, 5] });
      expect(() => F.pad(tensor([[1, 2, 3]]), [3, 0], 'reflect')).toThrow(/pad: 'reflect' padding of \(3, 0\) does not fit dim 1 of size 3/);
      expect(() => F.pad(tensor([[1, 2, 3]]), [4, 0], 'circular')).toThrow(/at most the dim's size/);
      expect(() => F.pad(tensor([1, 2]), [1])).toThrow(/pad: expected an even number of integers/);
      expect(() => F.pad(tensor([1, 2]), [1, 1], 'wrap' as PadMode)).toThrow(/pad: mode must be one of constant, reflect, replicate, circular/);
    });
  });
}
