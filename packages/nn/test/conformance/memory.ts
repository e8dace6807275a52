import { Variable } from '@kindling/autograd';
import { dispose, randn } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { CrossEntropyLoss, Linear } from '../../src/index.js';
import { expectValues } from './harness.js';

/** A Linear layer, a batch and the cross-entropy loss of the layer's output on it. */
function lossOfLinear(): { layer: Linear; input: Variable; loss: Variable } {
  const layer = new Linear(3, 2);
  const input = new Variable(randn([4, 3]));
  const target = randn([4, 2]).argmax(1);
  const loss = new CrossEntropyLoss().forward(layer.forward(input), target);
  return { layer, input, loss };
}

export function memorySuite(): void {
  describe('dispose and a model', () => {
    it('dispose({ loss }) frees the loss but never the parameters its graph reaches', async () => {
      const { layer, input, loss } = lossOfLinear();
      loss.backward();
      dispose({ loss });
      expect(loss.data.isDisposed).toBe(true);
      for (const parameter of layer.parameters()) {
        expect(parameter.data.isDisposed).toBe(false);
        expect(parameter.grad?.isDisposed).toBe(false);
      }
      expect(input.data.isDisposed).toBe(false);
      const again = layer.forward(input);
      expect(again.shape).toEqual([4, 2]);
      const expected = Array.from(await layer.forward(input).data.data());
      await expectValues(again, expected);
    });

    it('frees a Parameter that is named directly or as an element of an array or record', () => {
      const first = new Linear(2, 2);
      dispose(first.weight);
      expect(first.weight.data.isDisposed).toBe(true);
      expect(first.bias?.data.isDisposed).toBe(false);
      const second = new Linear(2, 2);
      dispose([second.weight, { bias: second.bias }]);
      expect(second.weight.data.isDisposed).toBe(true);
      expect(second.bias?.data.isDisposed).toBe(true);
      dispose(first.bias);
    });

    it('refuses a Module, naming how to free its parameters', () => {
      const layer = new Linear(2, 2);
      expect(() => dispose(layer)).toThrow(/dispose: cannot free a Linear.*parameters\(\)/);
      expect(layer.weight.data.isDisposed).toBe(false);
      dispose(layer.parameters());
      expect(layer.weight.data.isDisposed).toBe(true);
    });
  });
}
