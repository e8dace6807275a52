import { parseArgs } from 'node:util';
import type { CnnTrainOptions } from './train-cnn.js';
import type { OptimizerName, TrainOptions } from './train.js';

export const USAGE = `Usage: kindling-train [options]

Trains on MNIST with Kindling: --model mlp (the default) is the PyTorch MNIST tutorial's network
(784-512-512-10, ReLU, cross-entropy); --model cnn is PyTorch's examples/mnist/main.py (two
convolutions, max-pool, dropout, two linear layers; Adadelta with the rate decayed every epoch).
--model gpt is nanoGPT's character-level GPT on tiny Shakespeare, with its own flags
(kindling-train --model gpt --help lists them); kindling-sample writes text with its checkpoints.

Options:
  --model <name>         mlp, cnn or gpt (default mlp)
  --backend <name>       compute backend (default: the best available)
  --iters <n>            training steps (mlp: default 4000; cnn: stop early after n steps)
  --batch-size <n>       examples per step (mlp: default 128; cnn: default 64)
  --lr <x>               learning rate, > 0 (mlp: default 0.01; cnn: default 1.0)
  --seed <n>             random seed for weights and shuffling (mlp: default 0; cnn: default 1)
  --optimizer <name>     mlp: adam, adamw or sgd (default adam)
  --log-every <n>        mlp: print loss and validation accuracy every n steps (default 1000)
  --epochs <n>           cnn: passes over the training set (default 14)
  --gamma <x>            cnn: learning-rate factor after each epoch, > 0 (default 0.7)
  --log-interval <n>     cnn: print the training loss every n batches (default 10)
  --data-dir <dir>       read the MNIST IDX files from this directory (an error if it lacks any)
  --no-verify            use data files that are not the original MNIST (skip the SHA-256 check)
  --save <file>          write the trained weights (.safetensors)
  --export-onnx <file>   write the trained model as ONNX (.onnx), for ONNX Runtime and other runtimes
  --load <file>          start from these weights (with --iters 0: evaluate only)
  --report <file>        write a JSON report of the run
  --plot <file>          write the loss and accuracy curves of the run as an SVG image
  --verbose              list every backend tried, with why it could not start and what its drivers printed
  --allow-nan            keep training when the loss becomes NaN or infinite (default: stop)
  --no-compile           run every training step as written instead of replaying its recording
  --help                 show this message`;

export type ModelName = 'mlp' | 'cnn';

interface RunOptions {
  backend?: string;
  report?: string;
  plot?: string;
  verbose: boolean;
  help: boolean;
}

export type MlpCliOptions = RunOptions & TrainOptions & { model: 'mlp' };
export type CnnCliOptions = RunOptions & CnnTrainOptions & { model: 'cnn' };
export type CliOptions = MlpCliOptions | CnnCliOptions;

/** A flag that is present but wrong: the CLI prints the message and the usage, never a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

// The data sets are seeded with seed, seed + 1 and seed + 2, all of which must be safe integers.
const MAX_SEED = Number.MAX_SAFE_INTEGER - 2;

function integer(flag: string, value: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`--${flag} must be ${range}, got '${value}'`);
  }
  return parsed;
}

function positive(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new UsageError(`--${flag} must be a finite number > 0, got '${value}'`);
  return parsed;
}

const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'adamw', 'sgd'];
const MODELS: readonly ModelName[] = ['mlp', 'cnn'];
/** The flags that only one model reads: given with the other, they would be silently ignored. */
const MODEL_FLAGS: Record<ModelName, readonly string[]> = { mlp: ['optimizer', 'log-every'], cnn: ['epochs', 'gamma', 'log-interval'] };

export function parseCli(argv: readonly string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' },
        backend: { type: 'string' },
        iters: { type: 'string' },
        'batch-size': { type: 'string' },
        lr: { type: 'string' },
        optimizer: { type: 'string' },
        seed: { type: 'string' },
        'log-every': { type: 'string' },
        epochs: { type: 'string' },
        gamma: { type: 'string' },
        'log-interval': { type: 'string' },
        'data-dir': { type: 'string' },
        save: { type: 'string' },
        'export-onnx': { type: 'string' },
        load: { type: 'string' },
        report: { type: 'string' },
        plot: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        'allow-nan': { type: 'boolean', default: false },
        'no-compile': { type: 'boolean', default: false },
        'no-verify': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  // An empty value (`--lr ''`, `--save=`) is a mistake, never "not given".
  for (const [flag, value] of Object.entries(values)) {
    if (typeof value === 'string' && value.trim() === '') throw new UsageError(`--${flag} needs a value, got an empty string`);
  }
  const model = (values.model ?? 'mlp') as ModelName;
  if (!MODELS.includes(model)) throw new UsageError(`--model must be one of ${[...MODELS, 'gpt'].join(', ')}, got '${values.model}'`);
  const other = model === 'mlp' ? 'cnn' : 'mlp';
  for (const flag of MODEL_FLAGS[other]) {
    if (flag in values) throw new UsageError(`--${flag} applies to --model ${other} only, not to --model ${model}`);
  }
  const run: RunOptions = {
    verbose: values.verbose ?? false,
    help: values.help ?? false,
    ...(values['allow-nan'] ? { allowNan: true } : {}),
    ...(values['no-compile'] ? { compile: false } : {}),
    ...(values['no-verify'] ? { verifyData: false } : {}),
    ...(values.backend !== undefined ? { backend: values.backend } : {}),
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    ...(values.save !== undefined ? { save: values.save } : {}),
    ...(values['export-onnx'] !== undefined ? { exportOnnx: values['export-onnx'] } : {}),
    ...(values.load !== undefined ? { load: values.load } : {}),
    ...(values.report !== undefined ? { report: values.report } : {}),
    ...(values.plot !== undefined ? { plot: values.plot } : {}),
  };
  if (model === 'cnn') {
    return {
      model,
      epochs: integer('epochs', values.epochs, 14, 1),
      ...(values.iters !== undefined ? { iters: integer('iters', values.iters, 0, 0) } : {}),
      batchSize: integer('batch-size', values['batch-size'], 64, 1),
      lr: positive('lr', values.lr, 1.0),
      gamma: positive('gamma', values.gamma, 0.7),
      seed: integer('seed', values.seed, 1, 0, MAX_SEED),
      logInterval: integer('log-interval', values['log-interval'], 10, 1),
      ...run,
    };
  }
  const optimizer = (values.optimizer ?? 'adam') as OptimizerName;
  if (!OPTIMIZERS.includes(optimizer)) throw new UsageError(`--optimizer must be one of ${OPTIMIZERS.join(', ')}, got '${values.optimizer}'`);
  return {
    model,
    iters: integer('iters', values.iters, 4000, 0),
    batchSize: integer('batch-size', values['batch-size'], 128, 1),
    lr: positive('lr', values.lr, 0.01),
    optimizer,
    seed: integer('seed', values.seed, 0, 0, MAX_SEED),
    logEvery: integer('log-every', values['log-every'], 1000, 1),
    ...run,
  };
}
