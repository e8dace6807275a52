import { Variable } from '@kindling/autograd';
import { getBackend, tensor, type Tensor } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrossEntropyLoss, functional as F, MSELoss, NLLLoss, type LossReduction } from '../../src/index.js';
import { expectValues } from './harness.js';

export function lossesSuite(): void {
  describe('losses', () => {
    // Made once the suite has selected the backend under test: at import time it would be the default one.
    let logits: Tensor;
    let labels: Tensor;
    beforeAll(() => {
      logits = tensor([
        [2, 1, 0.1],
        [0.5, 2.5, -1],
      ]);
      labels = tensor([0, 1], { dtype: 'int32' });
    });

    it('crossEntropy is logSoftmax followed by nllLoss', async () => {
      const expected = F.nllLoss(F.logSoftmax(logits, 1), labels);
      await expectValues(F.crossEntropy(logits, labels), Array.from(await expected.data.data()), { shape: [] });
      // By hand: -log(softmax) at the labels, averaged.
      const row0 = -(2 - Math.log(Math.exp(2) + Math.exp(1) + Math.exp(0.1)));
      const row1 = -(2.5 - Math.log(Math.exp(0.5) + Math.exp(2.5) + Math.exp(-1)));
      await expectValues(F.crossEntropy(logits, labels), [(row0 + row1) / 2]);
      await expectValues(F.crossEntropy(logits, labels, { reduction: 'none' }), [row0, row1], { shape: [2] });
      await expectValues(F.crossEntropy(logits, labels, { reduction: 'sum' }), [row0 + row1]);
    });

    it('the loss modules call the functional forms with their options', async () => {
      const ignored = tensor([0, -1], { dtype: 'int32' });
      const module = new CrossEntropyLoss({ ignoreIndex: -1, labelSmoothing: 0.2, reduction: 'sum' });
      const functional = F.crossEntropy(logits, ignored, { ignoreIndex: -1, labelSmoothing: 0.2, reduction: 'sum' });
      await expectValues(module.forward(logits, ignored), Array.from(await functional.data.data()));
      const logProbs = F.logSoftmax(logits, 1);
      await expectValues(new NLLLoss({ reduction: 'none' }).forward(logProbs, labels), Array.from(await F.nllLoss(logProbs, labels, { reduction: 'none' }).data.data()));
      await expectValues(new MSELoss().forward(tensor([1, 2]), tensor([3, 2])), [2]);
      await expectValues(new MSELoss({ reduction: 'sum' }).forward(tensor([1, 2]), tensor([3, 2])), [4]);
    });

    it('gradients flow to the logits only', () => {
      const x = new Variable(logits, { requiresGrad: true });
      F.crossEntropy(x, labels).backward();
      expect(x.grad?.shape).toEqual([2, 3]);
    });

    it('rejects targets that are not int32 class indices, naming what is wrong', async () => {
      expect(() => F.crossEntropy(logits, tensor([0, 1]))).toThrow(/int32 class indices, but it is float32/);
      if (getBackend().synchronous) {
        expect(() => F.crossEntropy(logits, tensor([0, 3], { dtype: 'int32' }))).toThrow(/target index 3 is out of range for 3 classes/);
        expect(() => F.crossEntropy(logits, tensor([-1, 0], { dtype: 'int32' }))).toThrow(/target index -1 is out of range for 3 classes/);
        expect(() => F.nllLoss(logits, tensor([0, 5], { dtype: 'int32' }))).toThrow(/nllLoss: target index 5 is out of range for 3 classes/);
      } else {
        // An asynchronous backend cannot read the targets during the call: its gather marks a bad one with NaN.
        await expectValues(F.crossEntropy(logits, tensor([0, 3], { dtype: 'int32' })), [NaN]);
        await expectValues(F.nllLoss(logits, tensor([-1, 0], { dtype: 'int32' })), [NaN]);
      }
      expect(() => F.crossEntropy(logits, tensor([0, 1, 2], { dtype: 'int32' }))).toThrow(/2 samples and expects a target of shape \[2\], got \[3\]/);
      expect(() => F.crossEntropy(tensor([[[1]]]), labels)).toThrow(/expected logits of shape \[N, C\].*\[1, 1, 1\]/);
    });

    it('rejects bad options', () => {
      expect(() => F.crossEntropy(logits, labels, { labelSmoothing: 1.5 })).toThrow(/labelSmoothing must be in \[0, 1\], got 1\.5/);
      expect(() => new CrossEntropyLoss({ labelSmoothing: -0.1 })).toThrow(/labelSmoothing must be in \[0, 1\], got -0\.1/);
      // A JavaScript caller can pass any string.
      const loose: { reduction?: string } = { reduction: 'avg' };
      const options = loose as { reduction?: LossReduction };
      expect(() => new MSELoss(options)).toThrow(/reduction must be 'mean', 'sum' or 'none', got "avg"/);
      expect(() => F.nllLoss(logits, labels, options)).toThrow(/reduction must be/);
      expect(() => new NLLLoss({ ignoreIndex: 0.5 })).toThrow(/ignoreIndex must be an integer, got 0\.5/);
      expect(() => F.mseLoss(tensor([[1], [2]]), tensor([1, 2]))).toThrow(/input has shape \[2, 1\] but the target has shape \[2\]/);
    });
  });
}
