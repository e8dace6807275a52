import { noGrad } from '@kindling/autograd';
import { DeviceDataset } from '@kindling/data';
import { readDataSets, type Batch, type DataSet } from '@kindling/data-mnist';
import { CrossEntropyLoss, save } from '@kindling/nn';
import { Adam, AdamW, SGD } from '@kindling/optim';
import { getBackend, manualSeed, tidy } from '@kindling/tensor';
import { Net } from '@kindling/models';
import { writeWithFallback, type WriteOutcome } from './outputs.js';
import { exportTrainedOnnx, freeRun, loadCheckpoint, LossWatch, medianStepMs, memorySnapshot, peakRssMB, trainingStep, type MemorySnapshot, type RunSettings } from './run-support.js';

export { DivergedError, type MemorySnapshot, type RunSettings } from './run-support.js';

export type OptimizerName = 'adam' | 'adamw' | 'sgd';

export interface TrainOptions extends RunSettings {
  iters: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerName;
  seed: number;
  logEvery: number;
  /**
   * Upload the training set once and gather each mini-batch on the device, so a step sends only the
   * batch's indices; the batches are the same either way. It holds the set as float32 on the device
   * (about 170 MB for MNIST's training images). Default: when the backend is asynchronous (a GPU)
   * and there are steps to train.
   */
  deviceData?: boolean;
  /** Called with each logged step. */
  onLog?: (entry: LogEntry) => void;
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
  /** After step 10 (its update done, its batch freed; runs of more than 10 steps only) and after the last step. */
  memory: { step10?: MemorySnapshot; end: MemorySnapshot };
  log: LogEntry[];
  /** Where the weights were saved (with `save`): `path` differs from `save`, with `error` saying why, when a fallback was used. */
  saved?: WriteOutcome;
  /** Where the ONNX model was written (with `exportOnnx`), as `saved`. */
  exported?: WriteOutcome;
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

interface StepsRun {
  log: LogEntry[];
  stepMs: number[];
  finalLoss: number;
  step10Memory?: MemorySnapshot;
}

async function runSteps(options: TrainOptions, net: Net, optimizer: Adam | SGD, batches: BatchSource, validation: DataSet): Promise<StepsRun> {
  const criterion = new CrossEntropyLoss();
  const run: StepsRun = { log: [], stepMs: [], finalLoss: Number.NaN };
  const watch = new LossWatch(options.allowNan, getBackend().synchronous);
  const trainOn = trainingStep(options, 'the MLP training step', (images, labels) => criterion.forward(net.forward(images), labels), optimizer);
  for (let step = 0; step <= options.iters; step++) {
    const logging = step % options.logEvery === 0 || step === options.iters;
    if (step === options.iters && !logging) break;
    const stepStarted = performance.now();
    const { images, labels } = batches.next(options.batchSize);

    // The last logged step only measures the loss: no backward, no update.
    const loss = step < options.iters ? await trainOn(images, labels) : tidy(() => criterion.forward(net.forward(images), labels).data);
    images.dispose();
    labels.dispose();
    await watch.flush();

    if (logging) {
      run.finalLoss = Number(await loss.item());
      loss.dispose();
      watch.check(step, run.finalLoss, options.lr);
      const entry = { step, loss: run.finalLoss, validationAccuracy: await accuracy(net, validation) };
      run.log.push(entry);
      options.onLog?.(entry);
    } else {
      watch.defer(step, loss, options.lr);
      run.stepMs.push(performance.now() - stepStarted);
      options.onStep?.(step, run.stepMs.at(-1) as number);
    }
    // By step 10 everything a step creates lazily (the optimizer's state, the pool's buffers) exists,
    // so memory that still grows from here to the end is a leak. Its loss is checked (and freed)
    // first, as every loss is by the end.
    if (step === 10 && step < options.iters) {
      await watch.flush();
      run.step10Memory = memorySnapshot();
    }
  }
  await watch.flush();
  return run;
}

/**
 * The PyTorch MNIST tutorial: train `Net` with cross-entropy on mini-batches, printing the training
 * loss and the validation accuracy every `logEvery` steps, then measure the test accuracy. A loss
 * that becomes NaN or infinite stops the run with a `DivergedError` (unless `allowNan`); weights
 * that cannot be written to `save` are written to a fallback file (see `saved` in the result).
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  manualSeed(options.seed);
  const { train: trainSet, validation, test } = await readDataSets({
    seed: options.seed,
    ...(options.dataDir !== undefined ? { dir: options.dataDir } : {}),
    ...(options.verifyData === false ? { verify: false } : {}),
  });

  const net = new Net();
  if (options.load) await loadCheckpoint(net, options.load);
  options.onNetwork?.(net.toString());
  const optimizer = makeOptimizer(options.optimizer, net, options.lr);

  // An evaluation-only run (no steps) draws one batch, not worth uploading the whole set for.
  const gatherOnDevice = options.deviceData ?? (!getBackend().synchronous && options.iters > 0);
  const batches = gatherOnDevice ? deviceBatches(trainSet) : hostBatches(trainSet);
  const started = performance.now();
  let run: StepsRun;
  try {
    run = await runSteps(options, net, optimizer, batches, validation);
  } catch (error) {
    batches.dispose();
    freeRun(net, optimizer);
    throw error;
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const endMemory = memorySnapshot();
  batches.dispose();

  const { log, stepMs } = run;
  const result: TrainResult = {
    backend: getBackend().name,
    iterations: options.iters,
    batchSize: options.batchSize,
    trainSeconds,
    msPerStep: medianStepMs(stepMs),
    finalLoss: run.finalLoss,
    validationAccuracy: log.at(-1)?.validationAccuracy ?? (await accuracy(net, validation)),
    testAccuracy: await accuracy(net, test),
    peakRssMB: peakRssMB(),
    memory: { step10: run.step10Memory, end: endMemory },
    log,
  };
  if (options.save) {
    const stateDict = net.stateDict();
    result.saved = await writeWithFallback(options.save, (path) => save(stateDict, path, { format: 'pt', model: 'Net' }), options.fallbackDirs);
  }
  if (options.exportOnnx) {
    result.exported = await writeWithFallback(options.exportOnnx, (path) => exportTrainedOnnx(net, [784], { input: 'images', output: 'logits' }, path), options.fallbackDirs);
  }
  freeRun(net, optimizer);
  return result;
}
