import { compile, type CompiledStep, type Variable } from '@kindling/autograd';
import { functional as F, Linear, Module, Transformer, TransformerEncoderLayer, type Input } from '@kindling/nn';
import { Adadelta, Adam, AdamW, StepLR, type Optimizer } from '@kindling/optim';
import { manualSeed, memory, randint, randn, setBackend, type Tensor } from '@kindling/tensor';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConvNet, TutorialNet } from './networks.js';

/*
 * compile() on every backend: a step replayed from its recording gives the numbers the step
 * written out gives (the same kernels on the same values), with dropout drawing from the generator
 * and schedulers moving the learning rate; new shapes, a training flag or cleared gradients make it
 * record again; a host read keeps it eager. The networks are the training-loop suite's, narrow.
 */

type Batch = readonly [Tensor, Tensor];

interface Trainee {
  readonly net: Module;
  readonly optimizer: Optimizer<{ lr: number }>;
  /** Called after each step (a scheduler's step). */
  readonly afterStep?: () => void;
  readonly lossOf: (net: Module, input: Tensor, target: Tensor) => Variable;
}

interface Trajectory {
  losses: number[];
  parameters: number[][];
  step: CompiledStep<[Tensor, Tensor], Variable> | null;
}

/**
 * Trains a fresh `make()` on `batches` (the step written out, or compiled) and returns each step's
 * loss and the final parameters. `between(i, trainee)` runs before step i.
 */
async function train(make: () => Trainee, batches: readonly Batch[], compiled: boolean, between?: (i: number, trainee: Trainee) => void): Promise<Trajectory> {
  manualSeed(11);
  const trainee = make();
  const { net, optimizer } = trainee;
  const written = async (input: Tensor, target: Tensor): Promise<Variable> => {
    optimizer.zeroGrad();
    const loss = trainee.lossOf(net, input, target);
    loss.backward();
    await optimizer.step();
    return loss;
  };
  const step = compiled ? compile(written) : null;
  const losses: number[] = [];
  for (const [i, [input, target]] of batches.entries()) {
    between?.(i, trainee);
    const loss = await (step ?? written)(input, target);
    losses.push(await loss.item());
    trainee.afterStep?.();
  }
  const parameters = await Promise.all(net.parameters().map(async (p) => Array.from(await p.data.data())));
  return { losses, parameters, step };
}

/** The step written out and compiled, from the same seed: their losses and parameters must be equal. */
async function expectReplaysMatch(make: () => Trainee, batches: readonly Batch[], between?: (i: number, trainee: Trainee) => void): Promise<Trajectory> {
  const eager = await train(make, batches, false, between);
  const compiled = await train(make, batches, true, between);
  expect(compiled.losses).toEqual(eager.losses);
  expect(compiled.parameters).toEqual(eager.parameters);
  return compiled;
}

function batchesOf(count: number, inputShape: readonly number[], classes: number, sizes?: readonly number[]): Batch[] {
  manualSeed(3);
  return Array.from({ length: count }, (_, i) => {
    const size = sizes?.[i] ?? (inputShape[0] as number);
    return [randn([size, ...inputShape.slice(1)]), randint(0, classes, [size])] as const;
  });
}

const mlp = (): Trainee => {
  const net = new TutorialNet(24, 16);
  const optimizer = new Adam(net.parameters(), { lr: 1e-2 });
  const scheduler = new StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
  return { net, optimizer, afterStep: () => scheduler.step(), lossOf: (n, x, y) => F.crossEntropy((n as TutorialNet).forward(x), y) };
};

const cnn = (): Trainee => {
  const net = new ConvNet(12, 4);
  return { net, optimizer: new Adadelta(net.parameters(), { lr: 1 }), lossOf: (n, x, y) => F.nllLoss((n as ConvNet).forward(x), y) };
};

/** A pre-norm transformer block under a causal mask, with dropout, and a head over 8 classes. */
class TinyBlockModel extends Module {
  block = new TransformerEncoderLayer(16, 4, { dimFeedforward: 32, dropout: 0.1, batchFirst: true, normFirst: true });
  head = new Linear(16, 8);

  forward(x: Input): Variable {
    const mask = Transformer.generateSquareSubsequentMask(6);
    return this.head.forward(this.block.forward(x, { srcMask: mask, isCausal: true }));
  }
}

const transformerBlock = (): Trainee => {
  const net = new TinyBlockModel();
  return {
    net,
    optimizer: new AdamW(net.parameters(), { lr: 1e-2 }),
    lossOf: (n, x, y) => F.crossEntropy((n as TinyBlockModel).forward(x).reshape([-1, 8]), y.reshape([-1])),
  };
};

function tokenBatches(count: number): Batch[] {
  manualSeed(4);
  return Array.from({ length: count }, () => [randn([2, 6, 16]), randint(0, 8, [2, 6])] as const);
}

/** compile()'s guarantees on `device`, whose replays resubmit recorded device work if `recordsWork`. */
export function describeCapturedSteps(device: string, recordsWork = false): void {
  describe(`compile() on '${device}'`, () => {
    beforeAll(() => setBackend(device));
    afterEach(() => vi.restoreAllMocks());

    it('replays the tutorial MLP with Adam and a StepLR schedule as the written step computes it', async () => {
      const { step } = await expectReplaysMatch(mlp, batchesOf(7, [8, 24], 10));
      expect(step?.stats()).toMatchObject({ eager: 1, captures: 1, replays: 5, eagerReason: null, replaysDeviceWork: recordsWork });
    });

    it('replays the examples/mnist CNN with Adadelta and dropout, drawing fresh masks each step', async () => {
      const { step } = await expectReplaysMatch(cnn, batchesOf(6, [2, 1, 12, 12], 10));
      expect(step?.stats()).toMatchObject({ replays: 4, replaysDeviceWork: recordsWork });
    });

    it('replays a pre-norm transformer block with dropout and AdamW', async () => {
      const { step } = await expectReplaysMatch(transformerBlock, tokenBatches(5));
      expect(step?.stats()).toMatchObject({ replays: 3, replaysDeviceWork: recordsWork });
    });

    it('records again for a new input shape, and keeps each recording', async () => {
      const { step } = await expectReplaysMatch(mlp, batchesOf(9, [8, 24], 10, [8, 8, 8, 5, 5, 8, 5, 5, 8]));
      expect(step?.stats()).toMatchObject({ eager: 2, captures: 2, replays: 5 });
    });

    it('records again when the training flag changes what forward runs', async () => {
      const { step } = await expectReplaysMatch(cnn, batchesOf(8, [2, 1, 12, 12], 10), (i, { net }) => {
        if (i === 4) net.eval();
      });
      // Steps 0-3 in training mode: eager, capture, two replays; then eager, capture, two replays again.
      expect(step?.stats()).toMatchObject({ eager: 2, captures: 2, replays: 4 });
    });

    it('goes on replaying when the gradients were cleared outside the step: a replay gives each parameter its new gradient', async () => {
      const { step } = await expectReplaysMatch(mlp, batchesOf(7, [8, 24], 10), (i, { optimizer }) => {
        if (i === 4) optimizer.zeroGrad();
      });
      expect(step?.stats()).toMatchObject({ eager: 1, captures: 1, replays: 5 });
    });

    it('records again when the optimizer is given another parameter group', async () => {
      // The last layer is frozen until its parameters join the optimizer.
      const partlyOptimized = (): Trainee => {
        const net = new TutorialNet(24, 16);
        for (const p of net.hl2ToOut.parameters()) p.requiresGrad = false;
        const optimizer = new Adam([...net.inToHl1.parameters(), ...net.hl1ToHl2.parameters()], { lr: 1e-2 });
        return { net, optimizer, lossOf: (n, x, y) => F.crossEntropy((n as TutorialNet).forward(x), y) };
      };
      const { step } = await expectReplaysMatch(partlyOptimized, batchesOf(7, [8, 24], 10), (i, { net, optimizer }) => {
        if (i !== 4) return;
        const last = (net as TutorialNet).hl2ToOut.parameters();
        for (const p of last) p.requiresGrad = true;
        optimizer.addParamGroup({ params: last, lr: 0.1 });
      });
      expect(step?.stats()).toMatchObject({ eager: 2, captures: 2, replays: 3, eagerReason: null });
    });

    it('runs a step that reads a value on the host as written, and says why once', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      manualSeed(5);
      const { net, optimizer, lossOf } = mlp();
      const step = compile(async (input: Tensor, target: Tensor) => {
        optimizer.zeroGrad();
        const loss = lossOf(net, input, target);
        if ((await loss.item()) > 1e9) throw new Error('diverged');
        loss.backward();
        await optimizer.step();
        return loss;
      });
      for (const [input, target] of batchesOf(5, [8, 24], 10)) await step(input, target);
      expect(step.stats()).toMatchObject({ eager: 4, captures: 1, replays: 0 });
      expect(step.stats().eagerReason).toMatch(/reads a tensor's values on the host \(item\(\)\)/);
      expect(warn).toHaveBeenCalledTimes(1);
    });

    it('keeps memory() flat over replays, with no tidy and no dispose', async () => {
      manualSeed(6);
      const { net, optimizer, lossOf } = mlp();
      const step = compile(async (input: Tensor, target: Tensor) => {
        optimizer.zeroGrad();
        const loss = lossOf(net, input, target);
        loss.backward();
        await optimizer.step();
        return loss;
      });
      const readings: number[][] = [];
      for (const [i, [input, target]] of batchesOf(30, [8, 24], 10).entries()) {
        await step(input, target);
        if (i >= 10 && i % 5 === 0) readings.push([memory().numTensors, memory().numStorages, memory().numBytes]);
      }
      expect(step.stats().replays).toBe(28);
      // Nothing grows; a reading may fall where the collector frees what earlier tests left.
      const first = readings[0] as number[];
      for (const reading of readings) expect(reading.map((value, i) => Math.max(value, first[i] as number))).toEqual(first);
    });
  });
}
