import { gradcheck, Variable } from '@kindling/autograd';
import { getBackend, manualSeed, rand, randn, tensor, type Tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import {
  BCELoss,
  BCEWithLogitsLoss,
  functional as F,
  HuberLoss,
  KLDivLoss,
  L1Loss,
  SmoothL1Loss,
  type BinaryCrossEntropyWithLogitsOptions,
  type HuberLossOptions,
  type KlDivOptions,
  type KlDivReduction,
  type LossReduction,
  type SmoothL1LossOptions,
} from '../../src/index.js';
import { expectSpec, expectValues, fromSpec, readFixture, type TensorSpec } from './harness.js';

/*
 * The pointwise losses (BCE, BCE with logits, L1, smooth L1, Huber, KL divergence): parity with
 * PyTorch on the "pointwise-loss" fixtures of scripts/fixtures/generate_nn_fixtures.py, the modules,
 * the checks, and float64 gradchecks.
 */

type PointwiseLossName = 'binaryCrossEntropy' | 'binaryCrossEntropyWithLogits' | 'l1Loss' | 'smoothL1Loss' | 'huberLoss' | 'klDiv';

interface PointwiseLossCase {
  kind: 'pointwise-loss';
  name: string;
  fn: PointwiseLossName;
  options: { reduction?: KlDivReduction; weight?: TensorSpec; posWeight?: TensorSpec; beta?: number; delta?: number; logTarget?: boolean };
  input: TensorSpec;
  target: TensorSpec;
  upstream: TensorSpec | null;
  expected: { value: TensorSpec; inputGrad: TensorSpec };
}

type AnyLossOptions = BinaryCrossEntropyWithLogitsOptions & SmoothL1LossOptions & HuberLossOptions & KlDivOptions & { reduction?: LossReduction };

const cases = readFixture<{ kind: string }[]>('nn.json').filter((c): c is PointwiseLossCase => c.kind === 'pointwise-loss');

function runCase(c: PointwiseLossCase, input: Variable, target: Tensor): Variable {
  const { weight, posWeight, ...rest } = c.options;
  const tensors = { weight: weight && fromSpec(weight), posWeight: posWeight && fromSpec(posWeight) };
  // Only klDiv takes 'batchmean'; the fixtures give it to no other loss.
  const options = { ...rest, ...tensors } as AnyLossOptions;
  const fn: (input: Variable, target: Tensor, options: AnyLossOptions) => Variable = F[c.fn];
  return fn(input, target, options);
}

function float64Leaf(shape: number[], seed: number, uniform = false): Variable {
  manualSeed(seed);
  return new Variable(uniform ? rand(shape, { dtype: 'float64' }) : randn(shape, { dtype: 'float64' }), { requiresGrad: true });
}

export function pointwiseLossesSuite(float64: boolean): void {
  describe('pointwise losses', () => {
    describe('parity with PyTorch', () => {
      it('has fixtures for every pointwise loss', () => {
        const names: PointwiseLossName[] = ['binaryCrossEntropy', 'binaryCrossEntropyWithLogits', 'l1Loss', 'smoothL1Loss', 'huberLoss', 'klDiv'];
        for (const name of names) expect(cases.filter((c) => c.fn === name).length, name).toBeGreaterThanOrEqual(3);
      });

      for (const c of cases) {
        it(`${c.fn} value and input gradient: ${c.name}`, async () => {
          const input = new Variable(fromSpec(c.input), { requiresGrad: true });
          const value = runCase(c, input, fromSpec(c.target));
          await expectSpec(value, c.expected.value);
          (c.upstream === null ? value : value.mul(fromSpec(c.upstream)).sum()).backward();
          await expectSpec(input.grad, c.expected.inputGrad);
        });
      }
    });

    it('binaryCrossEntropy floors each log at -100, with finite gradients at exactly 0 and 1', async () => {
      const x = new Variable(tensor([0, 1, 0, 1]), { requiresGrad: true });
      const y = tensor([1, 0, 0, 1]);
      const loss = F.binaryCrossEntropy(x, y, { reduction: 'none' });
      await expectValues(loss, [100, 100, 0, 0]);
      loss.sum().backward();
      // The floored log contributes no gradient; the other term's is -(1 - y)·(-1/(1 - x)) or -y/x.
      await expectValues(x.grad, [0, 0, 1, -1]);
    });

    it('binaryCrossEntropyWithLogits stays finite and exact for logits of ±1000', async () => {
      const x = new Variable(tensor([1000, -1000, 1000, -1000]), { requiresGrad: true });
      const loss = F.binaryCrossEntropyWithLogits(x, tensor([1, 0, 0, 1]), { reduction: 'none' });
      await expectValues(loss, [0, 0, 1000, 1000]);
      loss.sum().backward();
      await expectValues(x.grad, [0, 0, 1, -1]);
    });

    it('the loss modules call the functional forms with their options', async () => {
      const probabilities = tensor([[0.2, 0.9], [0.6, 0.5]]);
      const logits = tensor([[-1, 2], [0.5, 3]]);
      const labels = tensor([[0, 1], [1, 1]]);
      const weight = tensor([2, 0.5]);
      const same = async (module: Variable, functional: Variable) => expectValues(module, Array.from(await functional.data.data()), { shape: functional.shape });
      await same(new BCELoss({ weight, reduction: 'sum' }).forward(probabilities, labels), F.binaryCrossEntropy(probabilities, labels, { weight, reduction: 'sum' }));
      const posWeight = tensor([3, 1]);
      await same(new BCEWithLogitsLoss({ weight, posWeight, reduction: 'none' }).forward(logits, labels), F.binaryCrossEntropyWithLogits(logits, labels, { weight, posWeight, reduction: 'none' }));
      await same(new L1Loss({ reduction: 'sum' }).forward(logits, labels), F.l1Loss(logits, labels, { reduction: 'sum' }));
      await same(new SmoothL1Loss({ beta: 0.5 }).forward(logits, labels), F.smoothL1Loss(logits, labels, { beta: 0.5 }));
      await same(new HuberLoss({ delta: 2, reduction: 'none' }).forward(logits, labels), F.huberLoss(logits, labels, { delta: 2, reduction: 'none' }));
      const logProbs = F.logSoftmax(logits, 1);
      await same(new KLDivLoss({ reduction: 'batchmean', logTarget: true }).forward(logProbs, logProbs), F.klDiv(logProbs, logProbs, { reduction: 'batchmean', logTarget: true }));
      expect(new SmoothL1Loss({ beta: 0.5 }).toString()).toBe('SmoothL1Loss(beta=0.5)');
      expect(new KLDivLoss({ reduction: 'batchmean', logTarget: true }).toString()).toBe("KLDivLoss(reduction='batchmean', logTarget=true)");
      expect(new BCEWithLogitsLoss().toString()).toBe('BCEWithLogitsLoss()');
    });

    it('rejects targets and weights of the wrong shape, naming both shapes', () => {
      const x = tensor([[0.2, 0.9], [0.6, 0.5]]);
      expect(() => F.binaryCrossEntropy(x, tensor([1, 0]))).toThrow(/binaryCrossEntropy: the input has shape \[2, 2\] but the target has shape \[2\]; they must match/);
      expect(() => F.binaryCrossEntropyWithLogits(x, tensor([[1], [0]]))).toThrow(/input has shape \[2, 2\] but the target has shape \[2, 1\]/);
      expect(() => F.l1Loss(x, tensor([1, 0, 1, 0]))).toThrow(/l1Loss: the input has shape \[2, 2\] but the target has shape \[4\]/);
      expect(() => F.smoothL1Loss(x, tensor(1))).toThrow(/smoothL1Loss: the input has shape \[2, 2\] but the target has shape \[\]/);
      expect(() => F.huberLoss(x, tensor([[1, 0]]))).toThrow(/huberLoss: the input has shape \[2, 2\] but the target has shape \[1, 2\]/);
      expect(() => F.klDiv(x, tensor([[[1, 0]]]))).toThrow(/klDiv: the input has shape \[2, 2\] but the target has shape \[1, 1, 2\]/);
      expect(() => F.binaryCrossEntropy(x, x, { weight: tensor([1, 2, 3]) })).toThrow(/shapes \[3\] and \[2, 2\] cannot be broadcast together/);
      expect(() => F.binaryCrossEntropyWithLogits(x, x, { posWeight: tensor([[[1, 2]]]) })).toThrow(/posWeight of shape \[1, 1, 2\] does not broadcast to the input's shape \[2, 2\]/);
    });

    it('rejects bad options and, where it can read them, inputs that are not probabilities', async () => {
      const x = tensor([0.5, 0.25]);
      expect(() => F.smoothL1Loss(x, x, { beta: -1 })).toThrow(/smoothL1Loss: beta must be a finite number ≥ 0, got -1/);
      expect(() => new SmoothL1Loss({ beta: NaN })).toThrow(/SmoothL1Loss: beta must be a finite number ≥ 0, got NaN/);
      expect(() => F.huberLoss(x, x, { delta: 0 })).toThrow(/huberLoss: delta must be a finite number > 0, got 0/);
      expect(() => new HuberLoss({ delta: -2 })).toThrow(/HuberLoss: delta must be a finite number > 0, got -2/);
      const loose: { reduction?: string } = { reduction: 'batchmean' };
      expect(() => F.l1Loss(x, x, loose as { reduction?: LossReduction })).toThrow(/l1Loss: reduction must be 'mean', 'sum' or 'none', got "batchmean"/);
      expect(() => new BCELoss(loose as { reduction?: LossReduction })).toThrow(/BCELoss: reduction must be/);
      expect(() => new KLDivLoss({ reduction: 'avg' as KlDivReduction })).toThrow(/KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or 'none', got "avg"/);
      const outside = tensor([0.5, 1.5]);
      if (getBackend().synchronous) {
        expect(() => F.binaryCrossEntropy(outside, x)).toThrow(/every input must be a probability in \[0, 1\], got 1\.5; pass logits to binaryCrossEntropyWithLogits/);
      } else {
        // An asynchronous backend cannot read the input during the call: log(1 - 1.5) makes the loss NaN.
        await expectValues(F.binaryCrossEntropy(outside, x), [NaN]);
      }
    });

    it('klDiv counts 0·log 0 as 0 and divides by the batch size for batchmean', async () => {
      const logQ = tensor([[Math.log(0.5), Math.log(0.5)], [Math.log(0.25), Math.log(0.75)]]);
      const p = tensor([[1, 0], [0.5, 0.5]]);
      const rows = [Math.log(2), 0.5 * Math.log(2) + 0.5 * Math.log(2 / 3)];
      await expectValues(F.klDiv(logQ, p, { reduction: 'none' }), [Math.log(2), 0, 0.5 * Math.log(2), 0.5 * Math.log(2 / 3)], { shape: [2, 2] });
      await expectValues(F.klDiv(logQ, p, { reduction: 'batchmean' }), [(rows[0]! + rows[1]!) / 2]);
      await expectValues(F.klDiv(logQ, p), [(rows[0]! + rows[1]!) / 4]);
    });

    describe('gradients against finite differences (float64)', () => {
      it.skipIf(!float64)('binaryCrossEntropy and binaryCrossEntropyWithLogits, with weights (needs float64)', async () => {
        const target = float64Leaf([3, 4], 2, true).data;
        const weight = float64Leaf([4], 3, true).data.add(0.5);
        const probabilities = float64Leaf([3, 4], 1, true).data.mul(0.9).add(0.05);
        const bce = (x: Variable) => F.binaryCrossEntropy(x, target, { weight, reduction: 'none' });
        expect(await gradcheck(bce, [new Variable(probabilities, { requiresGrad: true })])).toBe(true);
        const logits = (x: Variable, w: Variable, pw: Variable) => F.binaryCrossEntropyWithLogits(x, target, { weight: w, posWeight: pw, reduction: 'sum' });
        expect(await gradcheck(logits, [float64Leaf([3, 4], 4), float64Leaf([3, 4], 5), float64Leaf([4], 6, true)])).toBe(true);
      });

      it.skipIf(!float64)('l1Loss, smoothL1Loss, huberLoss and klDiv, input and target (needs float64)', async () => {
        const pair = (seed: number) => [float64Leaf([2, 5], seed), float64Leaf([2, 5], seed + 1)];
        expect(await gradcheck((x, y) => F.l1Loss(x, y, { reduction: 'none' }), pair(7))).toBe(true);
        expect(await gradcheck((x, y) => F.smoothL1Loss(x, y, { beta: 0.8, reduction: 'sum' }), pair(9))).toBe(true);
        expect(await gradcheck((x, y) => F.huberLoss(x, y, { delta: 0.7 }), pair(11))).toBe(true);
        expect(await gradcheck((x, y) => F.klDiv(x, y, { reduction: 'batchmean', logTarget: true }), pair(13))).toBe(true);
        const probabilities = float64Leaf([2, 5], 15, true);
        expect(await gradcheck((x, p) => F.klDiv(x, p, { reduction: 'none' }), [float64Leaf([2, 5], 16), probabilities])).toBe(true);
      });
    });
  });
}
