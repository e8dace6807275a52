import { noGrad, type Variable } from '@kindling/autograd';
import { CharTokenizer, readText, splitTrainVal, TextBatchSampler, tinyShakespeare } from '@kindling/data-text';
import { GPT, type GPTConfig } from '@kindling/models';
import { utils } from '@kindling/nn';
import { AdamW } from '@kindling/optim';
import { defaultGenerator, Generator, getBackend, manualSeed, tidy, type Tensor } from '@kindling/tensor';
import { disposeCheckpoint, loadGptCheckpoint, saveGptCheckpoint, type GptCheckpoint, type GptRunState } from './gpt-checkpoint.js';
import { exportGptOnnx } from './gpt-export.js';
import { hyperparametersOf, MODEL_SHAPE_FLAGS, type GptHyperparameters } from './gpt-options.js';
import { writeWithFallback, type WriteOutcome } from './outputs.js';
import { freeRun, medianStepMs, peakRssMB } from './run-support.js';

export interface GptTrainOptions extends GptHyperparameters {
  /** A UTF-8 text to train on (default: tiny Shakespeare, verified). */
  text?: string;
  /** Checkpoint at every estimate after the first and at the end. */
  save?: string;
  /** Continue from this checkpoint: its model shape, vocabulary, random streams and iteration. */
  resume?: string;
  /** The flags given on the command line: with `resume`, a model-shape flag must agree with the checkpoint. */
  explicit?: ReadonlySet<string>;
  exportOnnx?: string;
  allowNan?: boolean;
  fallbackDirs?: readonly string[];
  /** Called with the model's parameter count (without the position embeddings, as nanoGPT prints it). */
  onModel?: (parameters: number) => void;
  onEval?: (entry: GptEvalEntry) => void;
  onLog?: (entry: GptLogEntry) => void;
  onSave?: (iteration: number, outcome: WriteOutcome) => void;
}

/** nanoGPT's `estimate_loss` at one iteration. */
export interface GptEvalEntry {
  iter: number;
  trainLoss: number;
  valLoss: number;
  lr: number;
}

/** One training iteration: its loss (of the batch, before the update), learning rate and time. */
export interface GptLogEntry {
  iter: number;
  loss: number;
  lr: number;
  ms: number;
}

export interface GptTrainResult {
  backend: string;
  model: 'gpt';
  config: GPTConfig;
  hyperparameters: GptHyperparameters;
  /** Parameters, not counting the position embeddings (as nanoGPT prints it). */
  parameters: number;
  /** The iteration the run started at (0, or the checkpoint's with `resume`) and ended at. */
  startIteration: number;
  finalIteration: number;
  /** Training steps taken by this run. */
  iterations: number;
  batchSize: number;
  trainSeconds: number;
  /** The median time of a training step (estimates not counted), after the first 20 steps. */
  msPerIter: number;
  /** Tokens trained on per second at that median: batch size × block size / msPerIter. */
  tokensPerSecond: number;
  evals: GptEvalEntry[];
  /** The lowest val loss estimated, counting the checkpoint's with `resume` (null with no estimate). */
  bestValLoss: number | null;
  /** Every training iteration's loss. */
  log: GptLogEntry[];
  peakRssMB: number;
  saved?: WriteOutcome;
  exported?: WriteOutcome;
}

/**
 * nanoGPT's `get_lr`: a linear warmup to `learningRate` over `warmupIters`, then a cosine decay to
 * `minLr` at `lrDecayIters`, and `minLr` after that.
 */
export function nanoGptLr(iter: number, { learningRate, minLr, warmupIters, lrDecayIters }: GptHyperparameters): number {
  if (iter < warmupIters) return (learningRate * (iter + 1)) / (warmupIters + 1);
  if (iter > lrDecayIters) return minLr;
  const decayRatio = (iter - warmupIters) / (lrDecayIters - warmupIters);
  return minLr + 0.5 * (1 + Math.cos(Math.PI * decayRatio)) * (learningRate - minLr);
}

/** The corpus and its vocabulary: the checkpoint's when resuming, so that ids mean the same characters. */
async function loadCorpus(path: string | undefined, checkpoint: GptCheckpoint | undefined): Promise<{ tokenizer: CharTokenizer; ids: Int32Array }> {
  const text = path === undefined ? await tinyShakespeare() : await readText(path);
  const tokenizer = checkpoint ? CharTokenizer.fromJSON(checkpoint.state.meta) : CharTokenizer.fromText(text);
  try {
    return { tokenizer, ids: tokenizer.encode(text) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`--text ${path ?? '(tiny Shakespeare)'}: ${reason}; --resume trains on the checkpoint's vocabulary, so give a text made of its characters`);
  }
}

/** The model's shape: the flags', or with `resume` the checkpoint's (a flag that disagrees is an error). */
function modelConfig(options: GptTrainOptions, vocabSize: number, checkpoint: GptCheckpoint | undefined): GPTConfig {
  if (checkpoint === undefined) {
    return { nLayer: options.nLayer, nHead: options.nHead, nEmbd: options.nEmbd, blockSize: options.blockSize, bias: options.bias, vocabSize, dropout: options.dropout };
  }
  const saved = checkpoint.state.config;
  for (const [flag, key] of Object.entries(MODEL_SHAPE_FLAGS)) {
    if (options.explicit?.has(flag) && options[key] !== saved[key]) {
      throw new Error(`--${flag} ${String(options[key])} differs from the checkpoint's ${String(saved[key])}: --resume ${options.resume} keeps the checkpoint's model; drop --${flag}, or train from scratch without --resume`);
    }
  }
  // As nanoGPT's resume: the shape is the checkpoint's, the dropout the command line's.
  return { ...saved, dropout: options.dropout };
}

/**
 * Random offsets for nanoGPT's `get_batch`, drawn from one generator for both splits as nanoGPT's
 * `torch.randint`, and counted so that a resumed run can replay the draws.
 */
class BatchSource {
  offsetsDrawn = 0;
  private readonly generator: Generator;

  constructor(
    private readonly samplers: { train: TextBatchSampler; val: TextBatchSampler },
    seed: number,
    skipDraws: number,
  ) {
    this.generator = new Generator(seed);
    // Each offset takes the same draws from the generator whatever its range, so a count replays them.
    for (let i = 0; i < skipDraws; i++) this.generator.integer(0, 1);
    this.offsetsDrawn = skipDraws;
  }

  next(split: 'train' | 'val'): { x: Tensor; y: Tensor } {
    const sampler = this.samplers[split];
    const range = sampler.data.length - sampler.blockSize;
    const offsets = Array.from({ length: sampler.batchSize }, () => this.generator.integer(0, range));
    this.offsetsDrawn += offsets.length;
    return sampler.batchAt(offsets);
  }
}

/** The model's mean cross-entropy on `x` predicting `y`. */
function lossOf(model: GPT, x: Tensor, y: Tensor): Variable {
  const [, loss] = model.forward(x, y);
  if (loss === null) throw new Error('GPT.forward returned no loss for a batch with targets');
  return loss;
}

/** nanoGPT's `estimate_loss`: the mean loss of `evalIters` batches of each split, in eval mode without gradients. */
async function estimateLoss(model: GPT, batches: BatchSource, evalIters: number): Promise<{ train: number; val: number }> {
  model.eval();
  const means = { train: 0, val: 0 };
  try {
    for (const split of ['train', 'val'] as const) {
      let sum = 0;
      for (let k = 0; k < evalIters; k++) {
        const { x, y } = batches.next(split);
        const loss = tidy(() => noGrad(() => lossOf(model, x, y).data));
        x.dispose();
        y.dispose();
        sum += Number(await loss.item());
        loss.dispose();
      }
      means[split] = sum / evalIters;
    }
  } finally {
    model.train();
  }
  return means;
}

/**
 * nanoGPT's AdamW groups: weight decay on every parameter of 2 or more dims (the matrices and
 * embeddings), none on the biases and LayerNorm gains.
 */
function nanoGptAdamW(model: GPT, options: GptHyperparameters): AdamW {
  const parameters = model.parameters();
  return new AdamW(
    [
      { params: parameters.filter((p) => p.data.ndim >= 2), weightDecay: options.weightDecay },
      { params: parameters.filter((p) => p.data.ndim < 2), weightDecay: 0 },
    ],
    { lr: options.learningRate, betas: [0.9, options.beta2] },
  );
}

/**
 * Moves the default generator on until its next device stream is `offset`: where dropout's masks
 * stood when the checkpoint was written (the model built before this drew the same streams as then).
 */
function skipToStream(offset: number): void {
  let next = defaultGenerator.nextStream().offset + 1;
  while (next < offset) next = defaultGenerator.nextStream().offset + 1;
}

/**
 * nanoGPT's `train.py` for the character-level GPT: `maxIters` AdamW steps on random
 * `blockSize`-character windows of the first 90% of the text, the learning rate from `nanoGptLr`,
 * gradients clipped at `gradClip`, and the train and val losses estimated every `evalInterval`
 * iterations and at the last. With `save` the run is checkpointed at each estimate after iteration
 * 0; `resume` continues one, drawing the same batches and dropout masks as a run never stopped.
 */
export async function trainGpt(options: GptTrainOptions): Promise<GptTrainResult> {
  const checkpoint = options.resume === undefined ? undefined : await loadGptCheckpoint(options.resume);
  const seed = checkpoint?.state.hyperparameters.seed ?? options.seed;
  const { tokenizer, ids } = await loadCorpus(options.text, checkpoint);
  const config = modelConfig(options, tokenizer.vocabSize, checkpoint);
  const splits = splitTrainVal(ids);
  const sampler = (data: Int32Array, name: string) => {
    if (data.length <= config.blockSize) throw new Error(`the ${name} split of ${options.text ?? 'tiny Shakespeare'} has ${data.length} characters, too few for --block-size ${config.blockSize}; give a longer --text or a smaller --block-size`);
    return new TextBatchSampler(data, { blockSize: config.blockSize, batchSize: options.batchSize });
  };
  const batches = new BatchSource({ train: sampler(splits.train, 'train'), val: sampler(splits.val, 'val') }, seed, checkpoint?.state.offsetsDrawn ?? 0);

  manualSeed(seed);
  const model = new GPT(config);
  const optimizer = nanoGptAdamW(model, options);
  if (checkpoint) {
    try {
      model.loadStateDict(checkpoint.weights);
      optimizer.loadStateDict(checkpoint.optimizer);
    } finally {
      disposeCheckpoint(checkpoint);
    }
    skipToStream(checkpoint.state.nextStreamOffset);
  }
  options.onModel?.(model.numParameters());

  const { nLayer, nHead, nEmbd, blockSize, bias } = config;
  const hyperparameters: GptHyperparameters = { ...hyperparametersOf(options), nLayer, nHead, nEmbd, blockSize, bias, seed };
  const startIteration = checkpoint?.state.iteration ?? 0;
  const evals: GptEvalEntry[] = [];
  const log: GptLogEntry[] = [];
  let bestValLoss = checkpoint?.state.bestValLoss ?? null;
  let nextStreamOffset = checkpoint?.state.nextStreamOffset ?? 0;
  let saved: WriteOutcome | undefined;
  const started = performance.now();
  const runState = (iteration: number): GptRunState => ({ iteration, bestValLoss, config, hyperparameters, meta: tokenizer.toJSON(), offsetsDrawn: batches.offsetsDrawn, nextStreamOffset });
  try {
    for (let iter = startIteration; ; iter++) {
      const lr = nanoGptLr(iter, options);
      for (const group of optimizer.paramGroups) group.lr = lr;
      // A resumed run's first iteration was estimated (and checkpointed) before it stopped.
      const resumedHere = checkpoint !== undefined && iter === startIteration;
      if (!resumedHere && (iter % options.evalInterval === 0 || iter >= options.maxIters)) {
        const losses = await estimateLoss(model, batches, options.evalIters);
        // Where the dropout masks' stream stands, so a checkpoint resumes it; taken at every estimate so runs with and without --save draw alike.
        nextStreamOffset = defaultGenerator.nextStream().offset + 1;
        const entry = { iter, trainLoss: losses.train, valLoss: losses.val, lr };
        evals.push(entry);
        options.onEval?.(entry);
        if (bestValLoss === null || losses.val < bestValLoss) bestValLoss = losses.val;
        if (options.save && iter > 0) {
          const state = runState(iter);
          const optimizerState = optimizer.stateDict();
          saved = await writeWithFallback(options.save, (path) => saveGptCheckpoint(path, model, optimizerState, state), options.fallbackDirs);
          for (const values of Object.values(optimizerState.state)) for (const value of Object.values(values)) if (typeof value !== 'number') value.dispose();
          options.onSave?.(iter, saved);
        }
      }
      // nanoGPT takes one more step after its last estimate, which nothing it saves or prints sees; this run stops at it.
      if (iter >= options.maxIters) break;

      const stepStarted = performance.now();
      const { x, y } = batches.next('train');
      const loss = tidy(() => {
        const output = lossOf(model, x, y);
        output.backward();
        return output.data;
      });
      x.dispose();
      y.dispose();
      if (options.gradClip > 0) utils.clipGradNorm(model.parameters(), options.gradClip).dispose();
      await optimizer.step();
      optimizer.zeroGrad();
      const value = Number(await loss.item());
      loss.dispose();
      if (!Number.isFinite(value) && !options.allowNan) {
        throw new Error(`the training loss is ${value} at iter ${iter} with learning rate ${lr}; the run diverged: lower --learning-rate, or pass --allow-nan to train on anyway`);
      }
      const entry = { iter, loss: value, lr, ms: performance.now() - stepStarted };
      log.push(entry);
      if (iter % options.logInterval === 0) options.onLog?.(entry);
    }
  } catch (error) {
    freeRun(model, optimizer);
    throw error;
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const msPerIter = medianStepMs(log.map((entry) => entry.ms));
  const result: GptTrainResult = {
    backend: getBackend().name,
    model: 'gpt',
    config,
    hyperparameters,
    parameters: model.numParameters(),
    startIteration,
    finalIteration: Math.max(startIteration, options.maxIters),
    iterations: log.length,
    batchSize: options.batchSize,
    trainSeconds,
    msPerIter,
    tokensPerSecond: msPerIter > 0 ? (options.batchSize * config.blockSize * 1000) / msPerIter : 0,
    evals,
    bestValLoss,
    log,
    peakRssMB: peakRssMB(),
    ...(saved ? { saved } : {}),
  };
  if (options.exportOnnx) result.exported = await writeWithFallback(options.exportOnnx, (path) => exportGptOnnx(model, path), options.fallbackDirs);
  freeRun(model, optimizer);
  return result;
}
