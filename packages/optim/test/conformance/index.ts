import { setBackend } from '@kindling/tensor';
import { beforeAll, describe, it } from 'vitest';
import {
  Adam,
  AdamW,
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  SGD,
  StepLR,
  type AdamOptions,
  type AdamSettings,
  type AdamWOptions,
  type LRScheduler,
  type Optimizer,
  type ParamGroupInput,
  type SgdOptions,
  type SgdSettings,
} from '../../src/index.js';
import { expectClose, fromSpec, loadFixtures, Param, params, type OptimizerCase, type SchedulerCase } from '../helpers.js';

/*
 * Optimizer trajectories and learning-rate schedules against PyTorch, from fixtures that
 * scripts/fixtures/generate_optim_fixtures.py writes. The gradients are set by hand before each
 * step, as the generator does, so these tests need no autograd. Every backend runs them unchanged.
 */

const cases = loadFixtures();
const optimizerCases = cases.filter((c): c is OptimizerCase => c.kind === 'optimizer');
const schedulerCases = cases.filter((c): c is SchedulerCase => c.kind === 'scheduler');

// The fixture options use Kindling's names, so they pass through unchanged.
function makeOptimizer(c: OptimizerCase, ps: Param[]): Optimizer<{ lr: number }> {
  const groups = c.groups?.map(({ params: indices, ...overrides }) => ({ ...overrides, params: indices.map((i) => ps[i] as Param) }));
  switch (c.optimizer) {
    case 'SGD':
      return new SGD((groups as ParamGroupInput<SgdSettings>[] | undefined) ?? ps, c.options as SgdOptions);
    case 'Adam':
      return new Adam((groups as ParamGroupInput<AdamSettings>[] | undefined) ?? ps, c.options as AdamOptions);
    case 'AdamW':
      return new AdamW((groups as ParamGroupInput<AdamSettings>[] | undefined) ?? ps, c.options as AdamWOptions);
  }
}

function makeScheduler(c: SchedulerCase, optimizer: SGD): LRScheduler {
  const o = c.options;
  switch (c.scheduler) {
    case 'StepLR':
      return new StepLR(optimizer, { stepSize: o.stepSize as number, gamma: o.gamma });
    case 'ExponentialLR':
      return new ExponentialLR(optimizer, { gamma: o.gamma as number });
    case 'CosineAnnealingLR':
      return new CosineAnnealingLR(optimizer, { tMax: o.tMax as number, etaMin: o.etaMin });
    case 'LinearLR':
      return new LinearLR(optimizer, { startFactor: o.startFactor, endFactor: o.endFactor, totalIters: o.totalIters });
  }
}

/** The optim conformance suite: PyTorch's trajectories on `backendName`, which every backend runs unchanged. */
export function describeOptimConformance(backendName: string): void {
  describe(`optim conformance on '${backendName}'`, () => {
    beforeAll(async () => {
      await setBackend(backendName);
    });

    describe('optimizers match PyTorch step by step', () => {
      it.each(optimizerCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
        const ps = c.initialParams.map((spec) => new Param(fromSpec(spec)));
        const optimizer = makeOptimizer(c, ps);
        for (const [step, grads] of c.gradients.entries()) {
          ps.forEach((p, i) => {
            p.grad = fromSpec(grads[i] as (typeof grads)[number]);
          });
          await optimizer.step();
          optimizer.zeroGrad();
          for (const [i, p] of ps.entries()) {
            const expected = c.trajectory[step]?.[i];
            if (!expected) throw new Error(`${c.name}: no expected value for parameter ${i} at step ${step + 1}`);
            expectClose(await p.data.data(), expected.values, `${c.name}, parameter ${i} after step ${step + 1}`);
          }
        }
        optimizer.dispose();
      });
    });

    describe('schedulers match PyTorch epoch by epoch', () => {
      it.each(schedulerCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
        const ps = params(...c.baseLrs.map(() => [0]));
        const optimizer = new SGD(ps.map((p, i) => ({ params: [p], lr: c.baseLrs[i] })));
        const scheduler = makeScheduler(c, optimizer);
        for (const [epoch, expected] of c.lrs.entries()) {
          if (epoch > 0) scheduler.step();
          expectClose(scheduler.getLastLr(), expected, `${c.name}, getLastLr() at epoch ${epoch}`, 1e-12, 0);
          expectClose(optimizer.paramGroups.map((g) => g.lr), expected, `${c.name}, group lr at epoch ${epoch}`, 1e-12, 0);
        }
      });
    });
  });
}
