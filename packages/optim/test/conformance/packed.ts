import { fromValues, memory, type Tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { Adadelta, Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer } from '../../src/index.js';
import { Param } from '../helpers.js';

/*
 * Packed groups (`foreach: true`, one launch for a whole parameter group) against the same
 * optimizer updating each parameter on its own (`foreach: false`). The two must agree exactly: the
 * per-element math is the same kernel's.
 */

const SHAPES = [[3, 4], [4], [2, 2, 2], []] as const;

type Make = (ps: Param[], foreach?: boolean) => Optimizer<{ lr: number }>;

const CONFIGS: [string, Make][] = [
  ['SGD', (ps, foreach) => new SGD(ps, { lr: 0.1, foreach })],
  ['SGD with Nesterov momentum and weight decay', (ps, foreach) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01, foreach })],
  ['SGD with dampened momentum', (ps, foreach) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.1, foreach })],
  ['Adam with amsgrad and weight decay', (ps, foreach) => new Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 0.1, foreach })],
  ['AdamW', (ps, foreach) => new AdamW(ps, { lr: 0.01, foreach })],
  ['Adadelta', (ps, foreach) => new Adadelta(ps, { lr: 1, weightDecay: 0.1, foreach })],
  ['RMSprop centered with momentum', (ps, foreach) => new RMSprop(ps, { lr: 0.01, momentum: 0.9, centered: true, foreach })],
  ['Adagrad', (ps, foreach) => new Adagrad(ps, { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1, foreach })],
];

function values(count: number, seed: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 2);
}

function makeParams(): Param[] {
  return SHAPES.map((shape, i) => {
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    return new Param(fromValues(Float32Array.from(values(size, i + 1)), [...shape]));
  });
}

/** Gives every parameter (but those in `skip`) a gradient for `step`. */
function setGradients(ps: Param[], step: number, skip: readonly number[] = []): void {
  ps.forEach((p, i) => {
    p.grad?.dispose();
    p.grad = skip.includes(i) ? null : fromValues(Float32Array.from(values(p.data.numel(), 100 * step + i)), p.data.shape);
  });
}

async function snapshot(ps: Param[]): Promise<number[][]> {
  return Promise.all(ps.map(async (p) => Array.from(await p.data.data())));
}

/** A packed optimizer and an unpacked one over equal parameters. */
function pair(make: Make): { packed: Param[]; unpacked: Param[]; optimizers: Optimizer<{ lr: number }>[] } {
  const packed = makeParams();
  const unpacked = makeParams();
  return { packed, unpacked, optimizers: [make(packed, true), make(unpacked, false)] };
}

async function stepBoth(sets: Param[][], optimizers: Optimizer<{ lr: number }>[], step: number, skip: readonly number[] = []): Promise<void> {
  for (const [k, optimizer] of optimizers.entries()) {
    setGradients(sets[k] as Param[], step, skip);
    await optimizer.step();
  }
}

function storagesOf(ps: Param[]): number {
  return new Set(ps.map((p) => p.data.storage)).size;
}

/** Packed-group cases for the optim conformance suite; the backend is set by the caller. */
export function describePackedGroups(): void {
  describe('packed parameter groups', () => {
    it.each(CONFIGS)('%s: packed equals parameter by parameter, with a parameter lacking a gradient', async (_name, make) => {
      const { packed, unpacked, optimizers } = pair(make);
      for (let step = 1; step <= 7; step++) {
        // Step 4 leaves parameter 1 without a gradient: the packed group goes parameter by parameter.
        await stepBoth([packed, unpacked], optimizers, step, step === 4 ? [1] : []);
        expect(await snapshot(packed), `after step ${step}`).toEqual(await snapshot(unpacked));
      }
      expect(storagesOf(packed)).toBe(1);
      expect(storagesOf(unpacked)).toBe(SHAPES.length);
      optimizers.forEach((optimizer) => optimizer.dispose());
    });

    it('leaves a group unpacked while another tensor views one of its parameters, which goes on reading the parameter', async () => {
      const ps = makeParams();
      const held = (ps[0] as Param).data.reshape([-1]);
      const optimizer = new Adam(ps, { lr: 0.01, foreach: true });
      for (let step = 1; step <= 2; step++) {
        setGradients(ps, step);
        await optimizer.step();
      }
      expect(storagesOf(ps)).toBe(SHAPES.length);
      expect(Array.from(await held.data())).toEqual(Array.from(await (ps[0] as Param).data.data()));
      held.dispose();
      optimizer.dispose();
    });

    it('packs by default only where the backend says launches are costly', async () => {
      const ps = makeParams();
      const optimizer = new SGD(ps, { lr: 0.1 });
      setGradients(ps, 1);
      await optimizer.step();
      expect(storagesOf(ps)).toBe((ps[0] as Param).data.backend.prefersFewerLaunches ? 1 : SHAPES.length);
      optimizer.dispose();
    });

    it('a state dict loaded into a packed optimizer is packed again and continues the same trajectory', async () => {
      const make: Make = (ps, foreach) => new Adam(ps, { lr: 0.01, foreach });
      const { packed, unpacked, optimizers } = pair(make);
      const [optimizer] = optimizers as [Optimizer<{ lr: number }>];
      for (let step = 1; step <= 2; step++) await stepBoth([packed, unpacked], optimizers, step);
      const saved = optimizer.stateDict();
      optimizer.loadStateDict(saved);
      Object.values(saved.state).forEach((state) => Object.values(state).forEach((value) => typeof value === 'object' && value.dispose()));
      for (let step = 3; step <= 4; step++) await stepBoth([packed, unpacked], optimizers, step);
      expect(await snapshot(packed)).toEqual(await snapshot(unpacked));
      const expAvgs = packed.map((p) => (optimizer.state.get(p) as { expAvg: Tensor }).expAvg);
      expect(new Set(expAvgs.map((t) => t.storage)).size).toBe(1);
      expect(optimizer.state.get(packed[0] as Param)?.step).toBe(4);
      optimizers.forEach((o) => o.dispose());
    });

    it('amsgrad turned on mid-training gives each packed parameter a running maximum of its own', async () => {
      const make: Make = (ps, foreach) => new Adam(ps, { lr: 0.01, foreach });
      const { packed, unpacked, optimizers } = pair(make);
      for (let step = 1; step <= 4; step++) {
        if (step === 3) optimizers.forEach((o) => Object.assign(o.paramGroups[0] as object, { amsgrad: true }));
        await stepBoth([packed, unpacked], optimizers, step);
      }
      expect(await snapshot(packed)).toEqual(await snapshot(unpacked));
      const [optimizer] = optimizers as [Optimizer<{ lr: number }>];
      for (const p of packed) {
        const maximum = (optimizer.state.get(p) as { maxExpAvgSq?: Tensor }).maxExpAvgSq;
        expect(maximum?.shape).toEqual(p.data.shape);
      }
      optimizers.forEach((o) => o.dispose());
    });

    it('a packed loop keeps memory flat from step to step', async () => {
      const ps = makeParams();
      const optimizer = new Adam(ps, { lr: 0.01, foreach: true });
      const take = async (step: number): Promise<void> => {
        setGradients(ps, step);
        await optimizer.step();
        optimizer.zeroGrad();
      };
      await take(1);
      await take(2);
      const before = memory();
      for (let step = 3; step <= 6; step++) await take(step);
      const after = memory();
      expect([after.numTensors, after.numStorages, after.numBytes]).toEqual([before.numTensors, before.numStorages, before.numBytes]);
      optimizer.dispose();
    });
  });
}
