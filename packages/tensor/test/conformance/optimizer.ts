import { describe, expect, it } from 'vitest';
import {
  adadeltaStep,
  adagradStep,
  adamStep,
  rmspropStep,
  sgdStep,
  tensor,
  zeros,
  type AdadeltaHyperparameters,
  type AdagradHyperparameters,
  type RmspropHyperparameters,
  type Tensor,
} from '../../src/index.js';
import optimizerSteps from '../fixtures/optimizer-steps.json' with { type: 'json' };
import { expectValues } from './harness.js';
import { fromSpec, type TensorSpec } from './pytorch-parity.js';

/** A case of fixtures/optimizer-steps.json (scripts/fixtures/generate_optimizer_step_fixtures.py): torch.optim's single-tensor functions. */
type OptimizerStepCase = {
  name: string;
  param: TensorSpec;
  state: Record<string, TensorSpec>;
  transposedGradient: boolean;
  gradients: TensorSpec[];
  steps: { param: TensorSpec; state: Record<string, TensorSpec> }[];
} & (
  | { kernel: 'adadeltaStep'; hyper: AdadeltaHyperparameters }
  | { kernel: 'rmspropStep'; hyper: RmspropHyperparameters }
  | { kernel: 'adagradStep'; hyper: AdagradHyperparameters }
);

function optimizerStepCases(): OptimizerStepCase[] {
  // The JSON import's type widens the kernel names to string and makes absent state keys optional.
  const cases: unknown = optimizerSteps;
  return cases as OptimizerStepCase[];
}

/** Runs the case's kernel for its `k`-th step (0-based) on `param` and `state`. */
function stepOf(c: OptimizerStepCase, param: Tensor, grad: Tensor, state: Record<string, Tensor>, k: number): void {
  const need = (key: string): Tensor => {
    const value = state[key];
    if (!value) throw new Error(`${c.name}: the fixture has no '${key}' state`);
    return value;
  };
  switch (c.kernel) {
    case 'adadeltaStep':
      return adadeltaStep(param, grad, { squareAvg: need('squareAvg'), accDelta: need('accDelta') }, c.hyper);
    case 'rmspropStep':
      return rmspropStep(param, grad, { squareAvg: need('squareAvg'), gradAvg: state.gradAvg ?? null, momentumBuffer: state.momentumBuffer ?? null }, c.hyper);
    case 'adagradStep':
      return adagradStep(param, grad, need('sum'), { ...c.hyper, step: c.hyper.step + k + 1 });
  }
}

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

    it.each(optimizerStepCases().map((c) => [c.name, c] as const))('%s follows torch.optim step by step', async (_name, c) => {
      const param = fromSpec(c.param);
      const state = Object.fromEntries(Object.entries(c.state).map(([key, spec]) => [key, fromSpec(spec)]));
      for (const [k, gradient] of c.gradients.entries()) {
        const grad = c.transposedGradient ? fromSpec(gradient).transpose(0, 1) : fromSpec(gradient);
        stepOf(c, param, grad, state, k);
        const expected = c.steps[k];
        if (!expected) throw new Error(`${c.name}: no expected values for step ${k + 1}`);
        await expectValues(param, expected.param.values as number[]);
        for (const [key, spec] of Object.entries(expected.state)) await expectValues(state[key] as Tensor, spec.values as number[]);
      }
    });

    it('refuses views and mismatched shapes', () => {
      const param = tensor([[1, 2], [3, 4]]);
      const hyper = { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, firstStep: true };
      expect(() => sgdStep(param.transpose(0, 1), zeros([2, 2]), null, hyper)).toThrow(/must be whole contiguous tensors/);
      expect(() => sgdStep(param, zeros([4]), null, hyper)).toThrow('sgdStep: shape [4] does not match the parameter\'s [2, 2]');
      const adagrad = { lr: 0.1, lrDecay: 0, weightDecay: 0, eps: 1e-10, maximize: false, step: 1 };
      expect(() => adagradStep(param, zeros([2, 2]), zeros([2, 2]).transpose(0, 1), adagrad)).toThrow(/adagradStep: .*must be whole contiguous tensors/);
      expect(() => rmspropStep(param, zeros([2, 2]), { squareAvg: zeros([2, 2]), gradAvg: zeros([4]), momentumBuffer: null }, {
        lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, maximize: false,
      })).toThrow("rmspropStep: shape [4] does not match the parameter's [2, 2]");
    });
  });
}
