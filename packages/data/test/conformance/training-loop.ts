import { noGrad, type Variable } from '@kindling/autograd';
import { BatchNorm1d, functional as F, Linear, Module, type Input } from '@kindling/nn';
import { Adadelta, Adam, type Optimizer } from '@kindling/optim';
import { dispose, manualSeed, memory, randint, randn, setBackend, type MemoryInfo, type Tensor } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, TensorDataset } from '../../src/index.js';
import { ConvNet, TutorialNet } from './networks.js';

/*
 * The training loop a PyTorch user writes, with no tidy and no dispose: every backend runs it with
 * memory() flat from step 10 on, read without forcing a garbage collection.
 */

/** The loops of hundreds of steps take minutes on the slow backends (the reference cpu, SwiftShader). */
const LONG = 600_000;

/** What memory() counts, without the peak (which only rises). */
function live(info: MemoryInfo): Omit<MemoryInfo, 'peakBytes'> {
  return { numTensors: info.numTensors, numStorages: info.numStorages, numBytes: info.numBytes };
}

/**
 * Runs the README's loop for `steps` steps over batches of `images` (as many epochs as that takes)
 * and returns memory() at step 10 and at every 10th step after it.
 */
async function trainLikePyTorch(
  net: Module & { forward(x: Input): Variable },
  optimizer: AnyOptimizer,
  loader: DataLoader<[Tensor, Tensor], [Tensor, Tensor]>,
  steps: number,
  lossOf: (output: Variable, target: Tensor) => Variable,
): Promise<Map<number, Omit<MemoryInfo, 'peakBytes'>>> {
  const readings = new Map<number, Omit<MemoryInfo, 'peakBytes'>>();
  let step = 0;
  while (step < steps) {
    for await (const [input, target] of loader) {
      const loss = lossOf(net.forward(input), target);
      optimizer.zeroGrad();
      loss.backward();
      await optimizer.step();
      step++;
      if (step >= 10 && step % 10 === 0) readings.set(step, live(memory()));
      // On the cpu backend nothing in a step waits for a task, so the loop would hold vitest's worker for minutes.
      if (step % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      if (step === steps) break;
    }
  }
  return readings;
}

type LiveMemory = Omit<MemoryInfo, 'peakBytes'>;

/**
 * Nothing grows past `baseline` in any of `readings` (by step). A reading may fall below it: the
 * tensors of a loader's first batch (which starts no step, see DataLoader) are left to the garbage
 * collector, which may free them at any time, in Node or in a browser.
 */
function expectNoGrowth(baseline: LiveMemory, readings: Map<number, LiveMemory>): void {
  for (const [step, reading] of readings) {
    for (const key of ['numTensors', 'numStorages', 'numBytes'] as const) {
      expect({ step, [key]: Math.max(reading[key], baseline[key]) }).toEqual({ step, [key]: baseline[key] });
    }
  }
}

function expectFlat(readings: Map<number, LiveMemory>): void {
  expectNoGrowth(readings.get(10) as LiveMemory, readings);
}

type AnyOptimizer = Optimizer<{ lr: number }>;

function expectUsable(net: Module, optimizer: AnyOptimizer): void {
  for (const parameter of net.parameters()) {
    expect(parameter.data.isDisposed).toBe(false);
    expect(parameter.grad?.isDisposed).toBe(false);
  }
  // stateDict() copies every state tensor, which throws for one that was freed.
  const { state } = optimizer.stateDict();
  expect(Object.keys(state).length).toBe(net.parameters().length);
  dispose(state);
}

export interface TrainingLoopSteps {
  /** Steps of the tutorial MLP (batch 8). */
  mlp: number;
  /** Steps of the examples/mnist CNN (batch 2). */
  cnn: number;
  /**
   * 'narrow' runs both networks with their layers' shapes but a fraction of their width (MLP
   * 64 → 32 → 32 → 10, CNN 4 and 8 channels on 12×12 images), for a backend on which the full
   * ones take seconds a step (WebGPU on SwiftShader). Default 'full'.
   */
  size?: 'full' | 'narrow';
}

/** The memory guarantees of a loop written as in PyTorch, on `device`. */
export function describeTrainingLoopMemory(device: string, steps: TrainingLoopSteps): void {
  describe(`a loop written as in PyTorch on '${device}'`, () => {
    beforeAll(() => setBackend(device));

    const narrow = steps.size === 'narrow';
    it(`keeps memory() flat from step 10 to step ${steps.mlp} of the tutorial MLP with Adam${narrow ? ' (narrow)' : ''}`, async () => {
      manualSeed(0);
      const net = narrow ? new TutorialNet(64, 32) : new TutorialNet();
      const loader = new DataLoader(new TensorDataset(randn([96, net.inputs]), randint(0, 10, [96])), { batchSize: 8, shuffle: true });
      const optimizer = new Adam(net.parameters(), { lr: 1e-3 });
      const readings = await trainLikePyTorch(net, optimizer, loader, steps.mlp, (output, target) => F.crossEntropy(output, target));
      expect(readings.size).toBe(steps.mlp / 10);
      expectFlat(readings);
      expectUsable(net, optimizer);
    }, LONG);

    it(`keeps memory() flat from step 10 to step ${steps.cnn} of the examples/mnist CNN with Adadelta and dropout${narrow ? ' (narrow)' : ''}`, async () => {
      manualSeed(1);
      const net = narrow ? new ConvNet(12, 4) : new ConvNet();
      const loader = new DataLoader(new TensorDataset(randn([8, 1, net.side, net.side]), randint(0, 10, [8])), { batchSize: 2, shuffle: true });
      const optimizer = new Adadelta(net.parameters(), { lr: 1 });
      const readings = await trainLikePyTorch(net, optimizer, loader, steps.cnn, (output, target) => F.nllLoss(output, target));
      expectFlat(readings);
      expectUsable(net, optimizer);
    }, LONG);

    it('keeps BatchNorm running statistics and lets the last two steps be read', async () => {
      manualSeed(2);
      const net = new (class extends Module {
        norm = new BatchNorm1d(4);
        out = new Linear(4, 2);
        forward(x: Input): Variable {
          return this.out.forward(this.norm.forward(x));
        }
      })();
      const optimizer = new Adam(net.parameters());
      const loader = new DataLoader(new TensorDataset(randn([40, 4]), randint(0, 2, [40])), { batchSize: 4 });
      const losses: Variable[] = [];
      for await (const [input, target] of loader) {
        const loss = F.crossEntropy(net.forward(input), target);
        optimizer.zeroGrad();
        loss.backward();
        await optimizer.step();
        losses.push(loss);
        // The step before this one is still readable.
        if (losses.length > 1) expect(Number.isFinite(await losses.at(-2)?.item())).toBe(true);
      }
      const runningMean = net.norm.getBuffer('running_mean');
      expect(runningMean?.isDisposed).toBe(false);
      expect(Array.from((await runningMean?.data()) ?? []).every(Number.isFinite)).toBe(true);
      // The first batch of a loader's first pass starts no step (a loader read for one batch holds
      // nothing open), so the first loss is freed by the backward() two steps on; the second by the loader.
      await expect(losses[0]?.item()).rejects.toThrow(/made by 'crossEntropy' was freed by the second backward\(\) after the one that went through/);
      await expect(losses[1]?.item()).rejects.toThrow(/made by 'crossEntropy' was freed when the DataLoader yielded the batch after next/);
      expectUsable(net, optimizer);
    });

    it('frees what the graph saved as backward goes, and the outputs of a graph two backward() calls later, without a DataLoader', async () => {
      manualSeed(3);
      const net = narrow ? new TutorialNet(64, 32) : new TutorialNet();
      const optimizer = new Adam(net.parameters());
      const input = randn([4, net.inputs]);
      const target = randint(0, 10, [4]);
      const losses: Variable[] = [];
      const readings: Omit<MemoryInfo, 'peakBytes'>[] = [];
      for (let step = 0; step < 8; step++) {
        const loss = F.crossEntropy(net.forward(input), target);
        optimizer.zeroGrad();
        loss.backward();
        await optimizer.step();
        losses.push(loss);
        readings.push(live(memory()));
      }
      expectNoGrowth(readings[3] as LiveMemory, new Map(readings.slice(4).map((reading, i) => [i + 5, reading])));
      expect(Number.isFinite(await losses.at(-2)?.item())).toBe(true);
      await expect(losses[0]?.item()).rejects.toThrow(/made by 'crossEntropy' was freed by the second backward\(\) after the one that went through/);
      expect(input.isDisposed).toBe(false);
      expectUsable(net, optimizer);
    });

    it('frees what a forward made and did not return when it returns, under noGrad', () => {
      manualSeed(4);
      const net = narrow ? new TutorialNet(64, 32) : new TutorialNet();
      net.eval();
      const input = randn([16, net.inputs]);
      const before = memory();
      const output = noGrad(() => net.forward(input));
      const after = memory();
      expect(after.numTensors - before.numTensors).toBe(1);
      expect(after.numBytes - before.numBytes).toBe(16 * 10 * 4);
      expect(output.shape).toEqual([16, 10]);
    });
  });
}
