import { noGrad } from '@kindling/autograd';
import { WebGpuBackend } from '@kindling/backend-webgpu';
import { DataSet } from '@kindling/data-mnist';
import { serialize } from '@kindling/nn';
import { fromValues, getBackend, manualSeed, memory, tidy, type Tensor } from '@kindling/tensor';
import { readCheckpoint } from './checkpoint.js';
import { MODELS, type ModelKind, type ModelSpec, type Network } from './models.js';

/** What the page lets the user change, read again before every step. */
export interface TrainSettings {
  /** Train until this many steps have been taken. */
  steps: number;
  lr: number;
  batchSize: number;
  /** Measure the validation accuracy every this many steps (and after the last). */
  validateEvery: number;
  /** How many of the 5,000 validation images to measure it on. */
  validationSize: number;
}

/** Live tensors and storages (`memory()`), and the device buffers of backends that pool them (webgpu). */
export interface MemorySnapshot {
  numTensors: number;
  numStorages: number;
  deviceBytes?: number;
  buffersCreated?: number;
}

export interface TrainListener {
  onStep(report: { step: number; loss: number; ms: number; memory: MemorySnapshot }): void;
  onValidation(report: { step: number; accuracy: number; examples: number }): void;
}

/** The data a session trains and measures on: MNIST as `fetchDataSets` splits it. */
export interface Splits {
  train: DataSet;
  validation: DataSet;
  test: DataSet;
}

export function memorySnapshot(): MemorySnapshot {
  const backend = getBackend();
  const buffers = backend instanceof WebGpuBackend ? backend.stats().buffers : undefined;
  return { ...memory(), ...(buffers ? { deviceBytes: buffers.totalBytes, buffersCreated: buffers.created } : {}) };
}

/** Lets the browser paint and handle input before the next step (a task, not a microtask). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(undefined);
  });
}

/** The first `count` examples of `set`, sharing its bytes. */
export function firstExamples(set: DataSet, count: number): DataSet {
  const n = Math.max(1, Math.min(count, set.numExamples));
  return new DataSet(set.pixels.subarray(0, n * set.imageSize), set.labelValues.subarray(0, n), { rows: set.rows, cols: set.cols, seed: 0 });
}

/**
 * One network being trained on the current backend: its weights, its optimizer, and the step it
 * has reached. The page makes a new session on reset, on a change of model or backend, and when
 * weights are loaded.
 */
export class Session {
  step = 0;
  private readonly trainSet: DataSet;
  private readonly optimizer: ReturnType<ModelSpec['optimizer']>;
  private stopRequested = false;
  private loop: Promise<void> | undefined;

  private constructor(
    readonly spec: ModelSpec,
    readonly net: Network,
    private readonly data: Splits,
    seed: number,
  ) {
    // A view of the training set with its own shuffling, so a reset replays the same batches.
    this.trainSet = new DataSet(data.train.pixels, data.train.labelValues, { seed });
    // Each step sets the learning rate the page shows.
    this.optimizer = spec.optimizer(net, spec.defaults.lr);
  }

  /** A fresh network of `kind`, initialised from `seed`. */
  static create(kind: ModelKind, data: Splits, seed = 0): Session {
    manualSeed(seed);
    const spec = MODELS[kind];
    return new Session(spec, spec.create(), data, seed);
  }

  /**
   * A network with the weights of a `.safetensors` file (`kindling-train --save`, or this page's
   * download): the mlp's or the cnn's, whichever has the file's keys; the error names both mismatches.
   * Weights with NaN or infinite values are refused (see `readCheckpoint`).
   */
  static fromCheckpoint(bytes: Uint8Array, fileName: string, data: Splits): Session {
    const tensors = readCheckpoint(bytes, fileName);
    const problems: string[] = [];
    try {
      for (const spec of Object.values(MODELS)) {
        const net = spec.create();
        try {
          net.loadStateDict(tensors);
          return new Session(spec, net, data, 0);
        } catch (error) {
          for (const parameter of net.parameters()) parameter.data.dispose();
          problems.push(`not the ${spec.kind} (${error instanceof Error ? error.message : String(error)})`);
        }
      }
    } finally {
      for (const tensor of Object.values(tensors)) tensor.dispose();
    }
    throw new Error(`${fileName} holds neither network's weights: ${problems.join('; ')}`);
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  /**
   * Trains until `settings().steps` or `pause()`, one step per task so the page stays responsive.
   * A loss that is not finite stops the run with an error naming the step and the learning rate.
   */
  train(settings: () => TrainSettings, listener: TrainListener): Promise<void> {
    this.stopRequested = false;
    this.loop ??= this.runSteps(settings, listener).finally(() => (this.loop = undefined));
    return this.loop;
  }

  /** Stops after the step in flight; resolves when it has. */
  async pause(): Promise<void> {
    this.stopRequested = true;
    await this.loop?.catch(() => undefined);
  }

  private async runSteps(settings: () => TrainSettings, listener: TrainListener): Promise<void> {
    while (!this.stopRequested) {
      const { steps, lr, batchSize, validateEvery, validationSize } = settings();
      if (this.step >= steps) return;
      for (const group of this.optimizer.paramGroups) group.lr = lr;
      const started = performance.now();
      const { images, labels } = this.trainSet.nextBatch(batchSize);
      const loss = tidy(() => {
        const output = this.spec.loss(this.net.forward(this.spec.input(images)), labels);
        output.backward();
        return output.data;
      });
      await this.optimizer.step();
      this.optimizer.zeroGrad();
      images.dispose();
      labels.dispose();
      const value = Number(await loss.item());
      loss.dispose();
      this.step++;
      if (!Number.isFinite(value)) throw new Error(`the training loss is ${value} at step ${this.step} with learning rate ${lr}: the run diverged; lower the learning rate and reset`);
      listener.onStep({ step: this.step, loss: value, ms: performance.now() - started, memory: memorySnapshot() });
      if (this.step % validateEvery === 0 || this.step === steps) {
        const examples = Math.min(validationSize, this.data.validation.numExamples);
        listener.onValidation({ step: this.step, accuracy: await this.accuracy(firstExamples(this.data.validation, examples)), examples });
      }
      await yieldToEventLoop();
    }
  }

  /** The percentage of `set`'s images whose highest-scoring class is the label, in batches, yielding between them. */
  async accuracy(set: DataSet, onProgress?: (done: number) => void): Promise<number> {
    this.net.eval();
    let correct = 0;
    let done = 0;
    try {
      for (const { images, labels } of set.batches(500, { shuffle: false })) {
        const matches = tidy(() => noGrad(() => this.net.forward(this.spec.input(images)).data.argmax(1).eq(labels).sum()));
        correct += Number(await matches.item());
        done += labels.shape[0] ?? 0;
        for (const t of [matches, images, labels]) t.dispose();
        onProgress?.(done);
        await yieldToEventLoop();
      }
    } finally {
      this.net.train();
    }
    return (100 * correct) / set.numExamples;
  }

  /** The ten class probabilities of one 28×28 image (values in [0, 1], row-major). */
  async predict(pixels: Float32Array): Promise<Float32Array> {
    const wasTraining = this.net.training;
    this.net.eval();
    let probabilities: Tensor;
    try {
      probabilities = tidy(() => noGrad(() => this.spec.probabilities(this.net.forward(this.spec.input(fromValues(pixels, [1, 784]))).data)));
    } finally {
      this.net.train(wasTraining);
    }
    try {
      return Float32Array.from(await probabilities.data());
    } finally {
      probabilities.dispose();
    }
  }

  /** The weights as a `.safetensors` file, with the keys `kindling-train --save` writes. */
  checkpoint(): Promise<Uint8Array> {
    return serialize(this.net.stateDict(), { format: 'pt', model: this.spec.kind === 'mlp' ? 'Net' : 'ConvNet' });
  }

  /** Frees the weights and the optimizer's state (after `pause`). */
  dispose(): void {
    this.optimizer.dispose();
    for (const parameter of this.net.parameters()) {
      parameter.grad?.dispose();
      parameter.data.dispose();
    }
  }
}
