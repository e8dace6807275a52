import { describe, expect, it } from 'vitest';
import { adamStep, sgdStep, tensor, zeros } from '../../src/index.js';
import { expectValues } from './harness.js';

export function optimizerSuite(): void {
  describe('fused optimizer steps', () => {
    it('adamStep follows torch.optim.Adam with coupled weight decay and amsgrad', async () => {
      const param = tensor([1, -2, 3]);
      const grad = tensor([0.5, 0.1, -1]);
      const state = { expAvg: zeros([3]), expAvgSq: zeros([3]), maxExpAvgSq: zeros([3]) };
      const hyper = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupledWeightDecay: false };
      const p = [1, -2, 3];
      const g0 = [0.5, 0.1, -1];
      const m = [0, 0, 0];
      const v = [0, 0, 0];
      const vmax = [0, 0, 0];
      for (let step = 1; step <= 3; step++) {
        adamStep(param, grad, state, { ...hyper, step });
        for (let i = 0; i < 3; i++) {
          const g = (g0[i] as number) + 0.01 * (p[i] as number);
          m[i] = 0.9 * (m[i] as number) + 0.1 * g;
          v[i] = 0.999 * (v[i] as number) + 0.001 * g * g;
          vmax[i] = Math.max(vmax[i] as number, v[i] as number);
          const denom = Math.sqrt(vmax[i] as number) / Math.sqrt(1 - 0.999 ** step) + 1e-8;
          p[i] = (p[i] as number) - ((0.1 / (1 - 0.9 ** step)) * (m[i] as number)) / denom;
        }
      }
      await expectValues(param, p);
      await expectValues(state.expAvg, m);
      await expectValues(state.maxExpAvgSq, vmax);
    });

    it('adamStep with decoupled weight decay shrinks the parameter first (AdamW)', async () => {
      const param = tensor([2]);
      adamStep(param, tensor([0]), { expAvg: zeros([1]), expAvgSq: zeros([1]), maxExpAvgSq: null }, {
        lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.5, decoupledWeightDecay: true, step: 1,
      });
      await expectValues(param, [2 * (1 - 0.05)]);
    });

    it('sgdStep applies momentum, dampening and Nesterov as torch.optim.SGD', async () => {
      const param = tensor([1, 2]);
      const buffer = zeros([2]);
      const hyper = { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0, nesterov: true };
      sgdStep(param, tensor([1, 1]), buffer, { ...hyper, firstStep: true });
      sgdStep(param, tensor([1, 1]), buffer, { ...hyper, firstStep: false });
      const b2 = 0.9 * 1 + 0.9 * 1;
      await expectValues(buffer, [b2, b2]);
      await expectValues(param, [1 - 0.1 * 1.9 - 0.1 * (1 + 0.9 * b2), 2 - 0.1 * 1.9 - 0.1 * (1 + 0.9 * b2)]);
    });

    it('refuses views and mismatched shapes', () => {
      const param = tensor([[1, 2], [3, 4]]);
      const hyper = { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, firstStep: true };
      expect(() => sgdStep(param.transpose(0, 1), zeros([2, 2]), null, hyper)).toThrow(/must be whole contiguous tensors/);
      expect(() => sgdStep(param, zeros([4]), null, hyper)).toThrow('sgdStep: shape [4] does not match the parameter\'s [2, 2]');
    });
  });
}
