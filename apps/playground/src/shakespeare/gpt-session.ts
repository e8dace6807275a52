import { CharTokenizer, splitTrainVal, TextBatchSampler, type TextSplits } from '@kindling/data-text/browser';
import { noGrad } from '@kindling/autograd';
import { utils } from '@kindling/nn';
import { GPT, type GenerateOptions, type GPTConfig } from '@kindling/models';
import { AdamW } from '@kindling/optim';
import { fromValues, Generator, manualSeed, tidy, type Tensor } from '@kindling/tensor';
import { readGptCheckpoint } from './gpt-checkpoint.js';
import { learningRateAt, OPTIMIZER, type ModelSize } from './recipe.js';

/** What the page lets the user change while training, read again before every step. */
export interface GptTrainSettings {
  /** Train until this many steps (nanoGPT's `max_iters`; the cosine decays over them). */
  steps: number;
  /** The peak learning rate; the schedule decays to a tenth of it, as nanoGPT's `min_lr`. */
  lr: number;
  warmupSteps: number;
  /** Measure the train and val loss every this many steps (and after the last). */
  evalEvery: number;
  /** Write a sample every this many steps (and after the last). */
  sampleEvery: number;
  /** Characters per sample. */
  sampleLength: number;
}

/** The train and val loss, each the mean over the same batches every time (nanoGPT's `estimate_loss`). */
export interface MeasuredLosses {
  train: number;
  val: number;
}

export interface GptTrainListener {
  /** After every step: its batch's loss, its learning rate and time, and the measured losses when they were measured. */
  onStep(report: { step: number; loss: number; lr: number; ms: number; measured?: MeasuredLosses }): void;
  onSample(report: { step: number; text: string }): void;
}

/** The corpus and its characters, from which every session's tokenizer and split come. */
export interface Corpus {
  text: string;
  /** The corpus's own tokenizer: its distinct characters, sorted. */
  tokenizer: CharTokenizer;
}

/** Where a periodic sample starts, and how it is drawn: as nanoGPT's sample.py (a new line, temperature 0.8, top 200). */
const PERIODIC_SAMPLE = { start: '\n', options: { temperature: 0.8, topK: 200 } } as const;
/** The seed of the batches the losses are measured on, so every measurement of a model sees the same text. */
const EVAL_SEED = 1;

/**
 * Lets the browser paint and handle input before the next step: a task, not a microtask, and not a
 * `setTimeout`, which browsers hold back 4 ms when nested. (`addEventListener`, which Node's
 * MessagePort types have too, so the unit tests typecheck this file.)
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.addEventListener(
      'message',
      () => {
        port1.close();
        resolve();
      },
      { once: true },
    );
    port1.start();
    port2.postMessage(undefined);
  });
}

/**
 * One character-level GPT being trained on the current backend: its weights, its AdamW, its view
 * of the corpus (encoded with its own tokenizer, split 90/10 as nanoGPT) and the step it reached.
 */
export class GptSession {
  step = 0;
  private readonly optimizer: AdamW;
  private readonly splits: TextSplits;
  private readonly batches: TextBatchSampler;
  private stopRequested = false;
  private loop: Promise<void> | undefined;

  private constructor(
    readonly model: GPT,
    readonly tokenizer: CharTokenizer,
    corpus: Corpus,
    readonly batchSize: number,
    readonly evalIters: number,
    seed: number,
  ) {
    this.splits = splitTrainVal(tokenizer.encode(corpus.text));
    this.batches = new TextBatchSampler(this.splits.train, { blockSize: model.config.blockSize, batchSize, generator: new Generator(seed) });
    // nanoGPT's configure_optimizers: weight decay for the matrices and embeddings, none for biases and norms.
    const parameters = model.parameters();
    this.optimizer = new AdamW(
      [
        { params: parameters.filter((parameter) => parameter.data.ndim >= 2), weightDecay: OPTIMIZER.weightDecay },
        { params: parameters.filter((parameter) => parameter.data.ndim < 2), weightDecay: 0 },
      ],
      { betas: OPTIMIZER.betas },
    );
  }

  /** A fresh GPT of `size` for the corpus's vocabulary, initialised from `seed`. */
  static create(size: ModelSize, corpus: Corpus, seed = 1337): GptSession {
    manualSeed(seed);
    const model = new GPT({ ...size.model, vocabSize: corpus.tokenizer.vocabSize });
    return new GptSession(model, corpus.tokenizer, corpus, size.batchSize, size.evalIters, seed);
  }

  /**
   * A GPT with the weights, config, tokenizer and step of a `kindling-train --model gpt --save`
   * checkpoint (see gpt-checkpoint.ts), refused with an error naming the file if they are not
   * finite, its vocabulary cannot read the corpus, or its weights do not fit its config. It trains
   * on in batches of `batchSize`, with a fresh AdamW.
   */
  static fromCheckpoint(bytes: Uint8Array, fileName: string, corpus: Corpus, batchSize: number, evalIters: number): GptSession {
    const { config, tokenizer, iteration, weights } = readGptCheckpoint(bytes, fileName, corpus.tokenizer.itos);
    let model: GPT | undefined;
    try {
      model = new GPT(config);
      model.loadStateDict(weights);
    } catch (error) {
      for (const parameter of model?.parameters() ?? []) parameter.data.dispose();
      throw new Error(`${fileName}: its weights do not fit its config (${error instanceof Error ? error.message : String(error)})`);
    } finally {
      for (const tensor of Object.values(weights)) tensor.dispose();
    }
    const session = new GptSession(model, tokenizer, corpus, batchSize, evalIters, 1337);
    // The learning-rate schedule goes on from where the run stopped.
    session.step = iteration;
    return session;
  }

  get config(): Readonly<GPTConfig> {
    return this.model.config;
  }

  /** The characters of the corpus it trains on and of those it measures the val loss on. */
  get splitLengths(): { train: number; val: number } {
    return { train: this.splits.train.length, val: this.splits.val.length };
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  /**
   * One training step at learning rate `lr`, as nanoGPT's loop: a random batch, forward and
   * backward, the gradients clipped to norm 1, AdamW. Resolves to the batch's loss.
   */
  async trainStep(lr: number): Promise<number> {
    for (const group of this.optimizer.paramGroups) group.lr = lr;
    const { x, y } = this.batches.next();
    const loss = tidy(() => {
      const [, batchLoss] = this.model.forward(x, y);
      if (batchLoss === null) throw new Error('GPT.forward gave no loss for its targets');
      batchLoss.backward();
      return batchLoss.data;
    });
    utils.clipGradNorm(this.model.parameters(), OPTIMIZER.gradClip).dispose();
    await this.optimizer.step();
    this.optimizer.zeroGrad();
    x.dispose();
    y.dispose();
    try {
      return Number(await loss.item());
    } finally {
      loss.dispose();
    }
  }

  /** nanoGPT's `estimate_loss`: the mean loss of `evalIters` batches of each split, in eval mode, on the same batches every time. */
  async estimateLoss(): Promise<MeasuredLosses> {
    const mean = async (data: Int32Array): Promise<number> => {
      const sampler = new TextBatchSampler(data, { blockSize: this.config.blockSize, batchSize: this.batchSize, generator: new Generator(EVAL_SEED) });
      let total = 0;
      for (let i = 0; i < this.evalIters; i++) {
        const { x, y } = sampler.next();
        const loss = tidy(() => noGrad(() => this.model.forward(x, y)[1]?.data));
        x.dispose();
        y.dispose();
        total += Number(await loss?.item());
        loss?.dispose();
      }
      return total / this.evalIters;
    };
    return this.inEvalMode(async () => ({ train: await mean(this.splits.train), val: await mean(this.splits.val) }));
  }

  /** `length` characters that the model writes after `prompt` (which must be in its vocabulary and not empty). */
  async sample(prompt: string, length: number, options: GenerateOptions = {}): Promise<string> {
    const promptIds = this.tokenizer.encode(prompt);
    if (promptIds.length === 0) throw new Error('the prompt is empty: give at least one character');
    return this.inEvalMode(async () => {
      const idx = fromValues(promptIds, [1, promptIds.length]);
      let written: Tensor | undefined;
      try {
        written = this.model.generate(idx, length, options);
        const ids = await written.data();
        return this.tokenizer.decode(ids.subarray(promptIds.length));
      } finally {
        idx.dispose();
        written?.dispose();
      }
    });
  }

  /**
   * Trains until `settings().steps` or `pause()`, one step per task so the page stays responsive,
   * measuring the losses and writing a sample as the settings ask. A loss that is not finite stops
   * the run with an error naming the step and the learning rate.
   */
  train(settings: () => GptTrainSettings, listener: GptTrainListener): Promise<void> {
    this.stopRequested = false;
    this.loop ??= this.runSteps(settings, listener).finally(() => (this.loop = undefined));
    return this.loop;
  }

  /** Stops after the step in flight; resolves when it has. */
  async pause(): Promise<void> {
    this.stopRequested = true;
    await this.loop?.catch(() => undefined);
  }

  private async runSteps(settings: () => GptTrainSettings, listener: GptTrainListener): Promise<void> {
    while (!this.stopRequested) {
      const { steps, lr: peak, warmupSteps, evalEvery, sampleEvery, sampleLength } = settings();
      if (this.step >= steps) return;
      const lr = learningRateAt(this.step, { lr: peak, minLr: peak / 10, warmupSteps, decaySteps: steps });
      const started = performance.now();
      const loss = await this.trainStep(lr);
      this.step++;
      if (!Number.isFinite(loss)) throw new Error(`the training loss is ${loss} at step ${this.step} with learning rate ${lr}: the run diverged; lower the learning rate and reset`);
      const ms = performance.now() - started;
      const last = this.step === steps;
      listener.onStep({ step: this.step, loss, lr, ms, ...(this.step % evalEvery === 0 || last ? { measured: await this.estimateLoss() } : {}) });
      if (this.step % sampleEvery === 0 || last) listener.onSample({ step: this.step, text: await this.sample(PERIODIC_SAMPLE.start, sampleLength, PERIODIC_SAMPLE.options) });
      await yieldToEventLoop();
    }
  }

  private async inEvalMode<T>(run: () => Promise<T>): Promise<T> {
    const wasTraining = this.model.training;
    this.model.eval();
    try {
      return await run();
    } finally {
      this.model.train(wasTraining);
    }
  }

  /** Frees the weights and the optimizer's state (after `pause`). */
  dispose(): void {
    this.optimizer.dispose();
    for (const parameter of this.model.parameters()) {
      parameter.grad?.dispose();
      parameter.data.dispose();
    }
  }
}
