import { setBackend } from '@kindling/tensor';
import { beforeAll, describe, it } from 'vitest';
import {
  Adadelta,
  Adagrad,
  Adam,
  AdamW,
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  MultiStepLR,
  OneCycleLR,
  ReduceLROnPlateau,
  RMSprop,
  SGD,
  StepLR,
  type AdadeltaSettings,
  type AdagradSettings,
  type AdamSettings,
  type LRScheduler,
  type OneCycleLROptions,
  type Optimizer,
  type ParamGroupInput,
  type ReduceLROnPlateauOptions,
  type RMSpropSettings,
  type SgdSettings,
} from '../../src/index.js';
import { describePackedGroups } from './packed.js';
import { expectClose, fromSpec, loadFixtures, Param, params, type OptimizerCase, type OptimizerName, type SchedulerCase } from '../helpers.js';

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
  return buildOptimizer(c.optimizer, groups ?? ps, c.options);
}

function buildOptimizer(name: OptimizerName, params: Param[] | ParamGroupInput<{ lr: number }>[], options: object): Optimizer<{ lr: number }> {
  switch (name) {
    case 'SGD':
      return new SGD(params as ParamGroupInput<SgdSettings>[], options);
    case 'Adam':
      return new Adam(params as ParamGroupInput<AdamSettings>[], options);
    case 'AdamW':
      return new AdamW(params as ParamGroupInput<AdamSettings>[], options);
    case 'Adadelta':
      return new Adadelta(params as ParamGroupInput<AdadeltaSettings>[], options);
    case 'RMSprop':
      return new RMSprop(params as ParamGroupInput<RMSpropSettings>[], options);
    case 'Adagrad':
      return new Adagrad(params as ParamGroupInput<AdagradSettings>[], options);
  }
}

/** A scheduler's `step`, given the case's metric for that step when it follows one. */
type SchedulerUnderTest = { step(metric?: number): void; getLastLr(): number[] };

function makeScheduler(c: SchedulerCase, optimizer: Optimizer<{ lr: number }>): LRScheduler | ReduceLROnPlateau {
  const o = c.options as Record<string, number | undefined>;
  switch (c.scheduler) {
    case 'StepLR':
      return new StepLR(optimizer, { stepSize: o.stepSize as number, gamma: o.gamma });
    case 'MultiStepLR':
      return new MultiStepLR(optimizer, c.options.milestones as number[], { gamma: o.gamma });
    case 'ExponentialLR':
      return new ExponentialLR(optimizer, { gamma: o.gamma as number });
    case 'CosineAnnealingLR':
      return new CosineAnnealingLR(optimizer, { tMax: o.tMax as number, etaMin: o.etaMin });
    case 'LinearLR':
      return new LinearLR(optimizer, { startFactor: o.startFactor, endFactor: o.endFactor, totalIters: o.totalIters });
    case 'OneCycleLR':
      return new OneCycleLR(optimizer, c.options as unknown as OneCycleLROptions);
    case 'ReduceLROnPlateau':
      return new ReduceLROnPlateau(optimizer, c.options as ReduceLROnPlateauOptions);
  }
}

/** Each group's momentum, or its first beta for Adam-like optimizers. */
function momenta(optimizer: Optimizer<{ lr: number }>): unknown[] {
  return optimizer.paramGroups.map((group) => {
    const settings = group as { momentum?: number; betas?: readonly [number, number] };
    return settings.betas ? settings.betas[0] : settings.momentum;
  });
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

    describePackedGroups();

    describe('schedulers match PyTorch epoch by epoch', () => {
      it.each(schedulerCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
        const ps = params(...c.baseLrs.map(() => [0]));
        const groups = ps.map((p, i) => ({ params: [p], lr: c.baseLrs[i] as number }));
        const optimizer = buildOptimizer(c.optimizer ?? 'SGD', groups, { lr: c.baseLrs[0], ...c.optimizerOptions });
        const scheduler: SchedulerUnderTest = makeScheduler(c, optimizer);
        for (const [epoch, expected] of c.lrs.entries()) {
          if (epoch > 0) scheduler.step(c.metrics?.[epoch - 1]);
          expectClose(scheduler.getLastLr(), expected, `${c.name}, getLastLr() at epoch ${epoch}`, 1e-12, 0);
          expectClose(optimizer.paramGroups.map((g) => g.lr), expected, `${c.name}, group lr at epoch ${epoch}`, 1e-12, 0);
          const expectedMomenta = c.momenta?.[epoch];
          if (expectedMomenta) expectClose(momenta(optimizer) as number[], expectedMomenta, `${c.name}, momentum at epoch ${epoch}`, 1e-12, 0);
        }
      });
    });
  });
}
