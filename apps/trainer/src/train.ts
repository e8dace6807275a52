import { noGrad } from '@kindling/autograd';
import { DeviceDataset } from '@kindling/backend-webgpu';
import { readDataSets, type Batch, type DataSet } from '@kindling/data-mnist';
import { CrossEntropyLoss, load, save } from '@kindling/nn';
import { Adam, AdamW, SGD } from '@kindling/optim';
import { getBackend, manualSeed, memory, tidy, type Backend } from '@kindling/tensor';
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
  /**
   * Upload the training set once and gather each mini-batch on the device, so a step sends only the
   * batch's indices; the batches are the same either way. It holds the set as float32 on the device
   * (about 170 MB for MNIST's training images). Default: when the backend is asynchronous (a GPU)
   * and there are steps to train.
   */
  deviceData?: boolean;
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

/** What is allocated at one point of the run. */
export interface MemorySnapshot {
  /** Live tensors and storages (`memory()`): flat from step to step when nothing leaks. */
  numTensors: number;
  numStorages: number;
  /** Bytes of the device buffers the backend holds, in use or pooled (backends with buffer stats, such as `webgpu`). */
  deviceBytes?: number;
  /** Device buffers created so far: flat from step to step when the pool is reused. */
  buffersCreated?: number;
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
  /** After step 10 (its update done, its batch freed; runs of more than 10 steps only) and after the last step. */
  memory: { step10?: MemorySnapshot; end: MemorySnapshot };
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

/** Where each step's mini-batch comes from. */
interface BatchSource {
  next(batchSize: number): Batch;
  dispose(): void;
}

/** Batches gathered from the bytes on the host, converted to float32 and uploaded: a copy of every pixel per step. */
function hostBatches(trainSet: DataSet): BatchSource {
  return { next: (batchSize) => trainSet.nextBatch(batchSize), dispose: () => {} };
}

/** The set uploaded once; each batch is gathered on the device from the indices `nextBatch` would have used. */
function deviceBatches(trainSet: DataSet): BatchSource {
  const onDevice = DeviceDataset.upload(trainSet.scaledPixels(), Int32Array.from(trainSet.labelValues), [trainSet.imageSize]);
  return { next: (batchSize) => onDevice.batch(trainSet.nextBatchIndices(batchSize)), dispose: () => onDevice.dispose() };
}

/**
 * The device-buffer counters of a backend that pools them (`webgpu`'s `stats().buffers`), found by
 * their shape so that any backend reporting them is covered; undefined for the others.
 */
function bufferStats(backend: Backend): { totalBytes: number; created: number } | undefined {
  if (!('stats' in backend) || typeof backend.stats !== 'function') return undefined;
  const stats: unknown = backend.stats();
  const buffers: unknown = typeof stats === 'object' && stats !== null && 'buffers' in stats ? stats.buffers : undefined;
  if (typeof buffers !== 'object' || buffers === null || !('totalBytes' in buffers) || !('created' in buffers)) return undefined;
  const { totalBytes, created } = buffers;
  return typeof totalBytes === 'number' && typeof created === 'number' ? { totalBytes, created } : undefined;
}

function memorySnapshot(): MemorySnapshot {
  const buffers = bufferStats(getBackend());
  return { ...memory(), deviceBytes: buffers?.totalBytes, buffersCreated: buffers?.created };
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

  // An evaluation-only run (no steps) draws one batch, not worth uploading the whole set for.
  const gatherOnDevice = options.deviceData ?? (!getBackend().synchronous && options.iters > 0);
  const batches = gatherOnDevice ? deviceBatches(trainSet) : hostBatches(trainSet);
  const log: LogEntry[] = [];
  const stepMs: number[] = [];
  let finalLoss = Number.NaN;
  let step10Memory: MemorySnapshot | undefined;
  const started = performance.now();
  for (let step = 0; step <= options.iters; step++) {
    const logging = step % options.logEvery === 0 || step === options.iters;
    if (step === options.iters && !logging) break;
    const stepStarted = performance.now();
    const { images, labels } = batches.next(options.batchSize);

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
    // By step 10 everything a step creates lazily (the optimizer's state, the pool's buffers) exists,
    // so memory that still grows from here to the end is a leak.
    if (step === 10 && step < options.iters) step10Memory = memorySnapshot();
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const endMemory = memorySnapshot();
  batches.dispose();

  if (options.save) await save(net.stateDict(), options.save, { format: 'pt', model: 'Net' });
  const result: TrainResult = {
    backend: getBackend().name,
    iterations: options.iters,
    batchSize: options.batchSize,
    trainSeconds,
    msPerStep: stepMs.length > 0 ? median(stepMs.length > 20 ? stepMs.slice(20) : stepMs) : 0,
    finalLoss,
    validationAccuracy: log.at(-1)?.validationAccuracy ?? (await accuracy(net, validation)),
    testAccuracy: await accuracy(net, test),
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    memory: { step10: step10Memory, end: endMemory },
    log,
  };
  // The run's tensors are freed here rather than by the garbage collector, which cannot see how
  // much device memory they hold: a caller that trains again starts from an empty pool.
  optimizer.dispose();
  for (const parameter of net.parameters()) {
    parameter.grad?.dispose();
    parameter.data.dispose();
  }
  return result;
}
