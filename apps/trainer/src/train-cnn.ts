import { noGrad } from '@kindling/autograd';
import { DataLoader, type TensorDataset } from '@kindling/data';
import { MNIST } from '@kindling/data-mnist';
import { functional as F, save } from '@kindling/nn';
import { Adadelta, StepLR } from '@kindling/optim';
import { getBackend, manualSeed, tidy, type Tensor } from '@kindling/tensor';
import { ConvNet } from '@kindling/models';
import { writeWithFallback, type WriteOutcome } from './outputs.js';
import { exportTrainedOnnx, freeRun, loadCheckpoint, LossWatch, medianStepMs, memorySnapshot, peakRssMB, trainingStep, type MemorySnapshot, type RunSettings } from './run-support.js';

export interface CnnTrainOptions extends RunSettings {
  /** Passes over the 60,000 training images; the learning rate is multiplied by `gamma` after each. */
  epochs: number;
  /** Stop after this many training steps, even within an epoch (default: every step of every epoch). */
  iters?: number;
  batchSize: number;
  /** Images per batch when measuring the test set (default 1000, as main.py). */
  testBatchSize?: number;
  /** Adadelta's learning rate in the first epoch. */
  lr: number;
  gamma: number;
  seed: number;
  /** Log the training loss every this many batches of an epoch, from its first. */
  logInterval: number;
  /** Called once before the first step with the number of steps the run will take. */
  onStart?: (steps: number) => void;
  onLog?: (entry: CnnLogEntry) => void;
  onTest?: (result: TestResult) => void;
}

/** One logged training step, with what main.py prints about it. */
export interface CnnLogEntry {
  epoch: number;
  /** The batch's index within its epoch. */
  batch: number;
  batchesPerEpoch: number;
  /** Training examples before this batch in the epoch (main.py's `batch_idx * len(data)`). */
  examplesSeen: number;
  trainSize: number;
  /** Steps taken before this one, over all epochs. */
  step: number;
  loss: number;
  /** The learning rate of this step (StepLR's, for its epoch). */
  lr: number;
}

/** The test set measured after an epoch (or once, with no training steps). */
export interface TestResult {
  epoch: number;
  /** The mean negative log-likelihood per test image. */
  averageLoss: number;
  correct: number;
  total: number;
  accuracy: number;
}

export interface CnnTrainResult {
  backend: string;
  model: 'cnn';
  /** Training steps taken. */
  iterations: number;
  /** Epochs begun (the last may have been cut short by `iters`). */
  epochs: number;
  batchSize: number;
  trainSeconds: number;
  msPerStep: number;
  /** The loss of the last training step (NaN with no steps). */
  finalLoss: number;
  /** The test accuracy at the end, in percent. */
  testAccuracy: number;
  /** The test accuracy after each epoch, in percent. */
  testAccuracyPerEpoch: number[];
  /** The average test loss after each epoch. */
  testLossPerEpoch: number[];
  peakRssMB: number;
  /** After step 10 (runs of more than 10 steps only) and after the last step. */
  memory: { step10?: MemorySnapshot; end: MemorySnapshot };
  log: CnnLogEntry[];
  saved?: WriteOutcome;
  /** Where the ONNX model was written (with `exportOnnx`), as `saved`. */
  exported?: WriteOutcome;
}

type ImageBatches = DataLoader<[Tensor, Tensor], [Tensor, Tensor]>;

/**
 * Images per forward pass of the test. Intermediates are freed when a `tidy` ends, not when the
 * next layer has read them (PyTorch frees them then), so a whole batch of 1000 would hold every
 * activation at once: about 1 GB more peak memory than a training step. The sums are the same.
 */
const TEST_CHUNK = 250;

/** main.py's `test`: the summed negative log-likelihood and the number of correct predictions, in evaluation mode. */
async function testNet(net: ConvNet, loader: ImageBatches, epoch: number): Promise<TestResult> {
  net.eval();
  let lossSum = 0;
  let correct = 0;
  for await (const [images, labels] of loader) {
    const size = images.shape[0] as number;
    for (let start = 0; start < size; start += TEST_CHUNK) {
      const length = Math.min(TEST_CHUNK, size - start);
      const [chunkLoss, matches] = tidy(() =>
        noGrad(() => {
          const chunkLabels = labels.narrow(0, start, length);
          const output = net.forward(images.narrow(0, start, length));
          return [F.nllLoss(output, chunkLabels, { reduction: 'sum' }).data, output.data.argmax(1).eq(chunkLabels).sum()];
        }),
      );
      lossSum += Number(await chunkLoss.item());
      correct += Number(await matches.item());
      chunkLoss.dispose();
      matches.dispose();
    }
    images.dispose();
    labels.dispose();
  }
  net.train();
  const total = loader.dataset.length;
  return { epoch, averageLoss: lossSum / total, correct, total, accuracy: (100 * correct) / total };
}

interface EpochsRun {
  steps: number;
  epochs: number;
  log: CnnLogEntry[];
  tests: TestResult[];
  stepMs: number[];
  finalLoss: number;
  step10Memory?: MemorySnapshot;
}

interface Loaders {
  train: ImageBatches;
  test: ImageBatches;
}

async function runEpochs(options: CnnTrainOptions, net: ConvNet, optimizer: Adadelta, loaders: Loaders): Promise<EpochsRun> {
  const scheduler = new StepLR(optimizer, { stepSize: 1, gamma: options.gamma });
  const run: EpochsRun = { steps: 0, epochs: 0, log: [], tests: [], stepMs: [], finalLoss: Number.NaN };
  const batchesPerEpoch = loaders.train.length;
  const stepLimit = Math.min(options.iters ?? Number.POSITIVE_INFINITY, options.epochs * batchesPerEpoch);
  const watch = new LossWatch(options.allowNan, getBackend().synchronous);
  const trainOn = trainingStep(options, 'the CNN training step', (images, labels) => F.nllLoss(net.forward(images), labels), optimizer);
  options.onStart?.(stepLimit);
  try {
    for (let epoch = 1; epoch <= options.epochs && run.steps < stepLimit; epoch++) {
      run.epochs = epoch;
      let batch = 0;
      for await (const [images, labels] of loaders.train) {
        const stepStarted = performance.now();
        const lr = optimizer.paramGroups[0]?.lr ?? options.lr;
        const loss = await trainOn(images, labels);
        images.dispose();
        labels.dispose();
        await watch.flush();

        const step = run.steps++;
        const logging = batch % options.logInterval === 0;
        if (logging || run.steps === stepLimit) {
          run.finalLoss = Number(await loss.item());
          loss.dispose();
          watch.check(step, run.finalLoss, lr);
        } else {
          watch.defer(step, loss, lr);
        }
        run.stepMs.push(performance.now() - stepStarted);
        options.onStep?.(step, run.stepMs.at(-1) as number);
        if (logging) {
          const entry = { epoch, batch, batchesPerEpoch, examplesSeen: batch * options.batchSize, trainSize: loaders.train.dataset.length, step, loss: run.finalLoss, lr };
          run.log.push(entry);
          options.onLog?.(entry);
        }
        // From step 10 on, memory that still grows is a leak (see train.ts).
        if (step === 10 && run.steps < stepLimit) {
          await watch.flush();
          run.step10Memory = memorySnapshot();
        }
        batch++;
        if (run.steps === stepLimit) break;
      }
      await watch.flush();
      const test = await testNet(net, loaders.test, epoch);
      run.tests.push(test);
      options.onTest?.(test);
      scheduler.step();
    }
  } finally {
    // After a DivergedError, the deferred loss is freed too.
    await watch.flush().catch(() => undefined);
  }
  return run;
}

/** The MNIST split as normalised image tensors, batched by a `DataLoader`. */
async function mnistLoader(options: CnnTrainOptions, train: boolean): Promise<{ loader: ImageBatches; tensors: Tensor[] }> {
  const split = await MNIST.load({
    train,
    normalize: true,
    ...(options.dataDir !== undefined ? { dir: options.dataDir } : {}),
    ...(options.verifyData === false ? { verify: false } : {}),
  });
  const dataset: TensorDataset<[Tensor, Tensor]> = split.asTensorDataset();
  const loader = new DataLoader(dataset, train ? { batchSize: options.batchSize, shuffle: true } : { batchSize: options.testBatchSize ?? 1000 });
  return { loader, tensors: [...dataset.tensors] };
}

/**
 * PyTorch's `examples/mnist/main.py`: train `ConvNet` with Adadelta on the 60,000 normalised
 * training images (reshuffled each epoch), measure the test set after each epoch, and multiply the
 * learning rate by `gamma` (StepLR). `iters` cuts the run short after that many steps. A loss that
 * becomes NaN or infinite stops the run with a `DivergedError` (unless `allowNan`).
 */
export async function trainCnn(options: CnnTrainOptions): Promise<CnnTrainResult> {
  manualSeed(options.seed);
  // One after the other: both record the files they verified in the same cache file.
  const trainData = await mnistLoader(options, true);
  const testData = await mnistLoader(options, false);
  const freeData = () => [...trainData.tensors, ...testData.tensors].forEach((t) => t.dispose());

  const net = new ConvNet();
  if (options.load) await loadCheckpoint(net, options.load);
  options.onNetwork?.(net.toString());
  const optimizer = new Adadelta(net.parameters(), { lr: options.lr });
  const started = performance.now();
  let run: EpochsRun;
  try {
    run = await runEpochs(options, net, optimizer, { train: trainData.loader, test: testData.loader });
    // With no training steps, the test set is measured once, as loaded.
    if (run.tests.length === 0) {
      run.tests.push(await testNet(net, testData.loader, 0));
      options.onTest?.(run.tests[0] as TestResult);
    }
  } catch (error) {
    freeData();
    freeRun(net, optimizer);
    throw error;
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const endMemory = memorySnapshot();
  freeData();

  const last = run.tests.at(-1) as TestResult;
  const result: CnnTrainResult = {
    backend: getBackend().name,
    model: 'cnn',
    iterations: run.steps,
    epochs: run.epochs,
    batchSize: options.batchSize,
    trainSeconds,
    msPerStep: medianStepMs(run.stepMs),
    finalLoss: run.finalLoss,
    testAccuracy: last.accuracy,
    testAccuracyPerEpoch: run.tests.filter((test) => test.epoch > 0).map((test) => test.accuracy),
    testLossPerEpoch: run.tests.filter((test) => test.epoch > 0).map((test) => test.averageLoss),
    peakRssMB: peakRssMB(),
    memory: { step10: run.step10Memory, end: endMemory },
    log: run.log,
  };
  if (options.save) {
    const stateDict = net.stateDict();
    result.saved = await writeWithFallback(options.save, (path) => save(stateDict, path, { format: 'pt', model: 'ConvNet' }), options.fallbackDirs);
  }
  if (options.exportOnnx) {
    result.exported = await writeWithFallback(options.exportOnnx, (path) => exportTrainedOnnx(net, [1, 28, 28], { input: 'images', output: 'log_probs' }, path), options.fallbackDirs);
  }
  freeRun(net, optimizer);
  return result;
}
