import { noGrad } from '@kindling/autograd';
import { readDataSets, type DataSet } from '@kindling/data-mnist';
import { CrossEntropyLoss, load, save } from '@kindling/nn';
import { Adam, AdamW, SGD } from '@kindling/optim';
import { getBackend, manualSeed, tidy } from '@kindling/tensor';
import { Net } from './net.js';

export type OptimizerName = 'adam' | 'adamw' | 'sgd';

export interface TrainOptions {
  iters: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerName;
  seed: number;
  logEvery: number;
  dataDir?: string;
  save?: string;
  load?: string;
  /** Called with each logged step, and with every step for progress display. */
  onLog?: (entry: LogEntry) => void;
  onStep?: (step: number, msPerStep: number) => void;
  onNetwork?: (description: string) => void;
}

export interface LogEntry {
  step: number;
  loss: number;
  validationAccuracy: number;
}

export interface TrainResult {
  backend: string;
  iterations: number;
  batchSize: number;
  trainSeconds: number;
  msPerStep: number;
  finalLoss: number;
  validationAccuracy: number;
  testAccuracy: number;
  peakRssMB: number;
  log: LogEntry[];
}

/** The percentage of `data`'s examples whose highest-scoring class is the label, in batches. */
export async function accuracy(net: Net, data: DataSet, batchSize = 1000): Promise<number> {
  let correct = 0;
  for (const { images, labels } of data.batches(batchSize, { shuffle: false })) {
    const matches = tidy(() => noGrad(() => net.forward(images).data.argmax(1).eq(labels).sum()));
    correct += Number(await matches.item());
    for (const t of [matches, images, labels]) t.dispose();
  }
  return (100 * correct) / data.numExamples;
}

function makeOptimizer(name: OptimizerName, net: Net, lr: number): Adam | SGD {
  const params = net.parameters();
  if (name === 'sgd') return new SGD(params, { lr });
  if (name === 'adamw') return new AdamW(params, { lr });
  return new Adam(params, { lr });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * The PyTorch MNIST tutorial: train `Net` with cross-entropy on mini-batches, printing the training
 * loss and the validation accuracy every `logEvery` steps, then measure the test accuracy.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  manualSeed(options.seed);
  const { train: trainSet, validation, test } = await readDataSets({ seed: options.seed, ...(options.dataDir ? { dir: options.dataDir } : {}) });

  const net = new Net();
  if (options.load) net.loadStateDict(await load(options.load));
  options.onNetwork?.(net.toString());
  const criterion = new CrossEntropyLoss();
  const optimizer = makeOptimizer(options.optimizer, net, options.lr);

  const log: LogEntry[] = [];
  const stepMs: number[] = [];
  let finalLoss = Number.NaN;
  const started = performance.now();
  for (let step = 0; step <= options.iters; step++) {
    const logging = step % options.logEvery === 0 || step === options.iters;
    if (step === options.iters && !logging) break;
    const stepStarted = performance.now();
    const { images, labels } = trainSet.nextBatch(options.batchSize);

    const loss = tidy(() => {
      const output = criterion.forward(net.forward(images), labels);
      if (step < options.iters) output.backward();
      return output.data;
    });
    if (step < options.iters) {
      await optimizer.step();
      optimizer.zeroGrad();
    }

    if (logging) {
      finalLoss = Number(await loss.item());
      const entry = { step, loss: finalLoss, validationAccuracy: await accuracy(net, validation) };
      log.push(entry);
      options.onLog?.(entry);
    } else {
      stepMs.push(performance.now() - stepStarted);
      options.onStep?.(step, stepMs.at(-1) as number);
    }
    for (const t of [loss, images, labels]) t.dispose();
  }
  const trainSeconds = (performance.now() - started) / 1000;

  if (options.save) await save(net.stateDict(), options.save, { format: 'pt', model: 'Net' });
  return {
    backend: getBackend().name,
    iterations: options.iters,
    batchSize: options.batchSize,
    trainSeconds,
    msPerStep: stepMs.length > 0 ? median(stepMs.length > 20 ? stepMs.slice(20) : stepMs) : 0,
    finalLoss,
    validationAccuracy: log.at(-1)?.validationAccuracy ?? (await accuracy(net, validation)),
    testAccuracy: await accuracy(net, test),
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    log,
  };
}
