import { fromValues, type Tensor } from '@kindling/tensor';
import { expect } from 'vitest';
import type { OptimizableParameter } from '../src/index.js';
import trajectories from './fixtures/trajectories.json' with { type: 'json' };

/**
 * A bare parameter: the structural shape optim accepts. The tests use it instead of autograd's
 * Variable so that they exercise exactly the contract optim relies on (`data`, a settable `grad`).
 */
export class Param implements OptimizableParameter {
  grad: Tensor | null = null;
  readonly requiresGrad = true;
  constructor(readonly data: Tensor) {}
}

/** A tensor as the fixture generators write it (see scripts/fixtures/fixture_json.py). */
export interface TensorSpec {
  shape: number[];
  dtype: 'float32';
  values: number[];
}

export type OptimizerName = 'SGD' | 'Adam' | 'AdamW' | 'Adadelta' | 'RMSprop' | 'Adagrad';

export interface OptimizerCase {
  name: string;
  kind: 'optimizer';
  optimizer: OptimizerName;
  options: Record<string, number | boolean | [number, number]>;
  groups?: ({ params: number[] } & Record<string, number | boolean | [number, number]>)[];
  initialParams: TensorSpec[];
  /** One entry per step, holding one gradient per parameter. */
  gradients: TensorSpec[][];
  /** The parameters after each step. */
  trajectory: TensorSpec[][];
}

export interface SchedulerCase {
  name: string;
  kind: 'scheduler';
  scheduler: 'StepLR' | 'MultiStepLR' | 'ExponentialLR' | 'CosineAnnealingLR' | 'LinearLR' | 'OneCycleLR' | 'ReduceLROnPlateau';
  options: Record<string, number | string | boolean | number[]>;
  baseLrs: number[];
  /** The optimizer the schedule drives, with its options; SGD with no options when absent. */
  optimizer?: OptimizerName;
  optimizerOptions?: Record<string, number | boolean>;
  /** ReduceLROnPlateau's metric for each step. */
  metrics?: number[];
  /** Each group's lr at epoch 0 and after each scheduler step. */
  lrs: number[][];
  /** OneCycleLR with cycleMomentum: each group's momentum (or first beta) at the same points as `lrs`. */
  momenta?: number[][];
}

export type FixtureCase = OptimizerCase | SchedulerCase;

/** Written by scripts/fixtures/generate_optim_fixtures.py from PyTorch. */
export function loadFixtures(): FixtureCase[] {
  // A JSON import rather than a file read, so the cases also run in a browser.
  const cases: unknown = trajectories;
  return cases as FixtureCase[];
}

export function fromSpec(spec: TensorSpec): Tensor {
  return fromValues(Float32Array.from(spec.values), spec.shape);
}

/** Float32 tolerance: |actual - expected| <= atol + rtol * |expected|, as torch.allclose. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, rtol = 1e-5, atol = 1e-6): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i] as number;
    const got = actual[i] as number;
    if (!(Math.abs(got - want) <= atol + rtol * Math.abs(want))) {
      expect.fail(`${label}: element ${i} is ${got}, expected ${want} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Parameters from plain values, float32. */
export function params(...values: number[][]): Param[] {
  return values.map((v) => new Param(fromValues(Float32Array.from(v), [v.length])));
}
