import { parseArgs } from 'node:util';
import type { OptimizerName, TrainOptions } from './train.js';

export const USAGE = `Usage: kindling-train [options]

Trains the PyTorch MNIST tutorial's network (784-512-512-10, ReLU, cross-entropy) on Kindling.

Options:
  --backend <name>       compute backend (default: the best available)
  --iters <n>            training steps (default 4000)
  --batch-size <n>       examples per step (default 128)
  --lr <x>               learning rate, > 0 (default 0.01)
  --optimizer <name>     adam, adamw or sgd (default adam)
  --seed <n>             random seed for weights and shuffling (default 0)
  --log-every <n>        print loss and validation accuracy every n steps (default 1000)
  --data-dir <dir>       read the MNIST IDX files from this directory (an error if it lacks any)
  --no-verify            use data files that are not the original MNIST (skip the SHA-256 check)
  --save <file>          write the trained weights (.safetensors)
  --load <file>          start from these weights (with --iters 0: evaluate only)
  --report <file>        write a JSON report of the run
  --verbose              list every backend tried, with why it could not start and what its drivers printed
  --allow-nan            keep training when the loss becomes NaN or infinite (default: stop)
  --help                 show this message`;

export interface CliOptions extends TrainOptions {
  backend?: string;
  report?: string;
  verbose: boolean;
  help: boolean;
}

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

function learningRate(value: string | undefined): number {
  if (value === undefined) return 0.01;
  const lr = Number(value);
  if (!Number.isFinite(lr) || lr <= 0) throw new UsageError(`--lr must be a finite number > 0, got '${value}'`);
  return lr;
}

const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'adamw', 'sgd'];

export function parseCli(argv: readonly string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        backend: { type: 'string' },
        iters: { type: 'string' },
        'batch-size': { type: 'string' },
        lr: { type: 'string' },
        optimizer: { type: 'string' },
        seed: { type: 'string' },
        'log-every': { type: 'string' },
        'data-dir': { type: 'string' },
        save: { type: 'string' },
        load: { type: 'string' },
        report: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        'allow-nan': { type: 'boolean', default: false },
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
  const optimizer = (values.optimizer ?? 'adam') as OptimizerName;
  if (!OPTIMIZERS.includes(optimizer)) throw new UsageError(`--optimizer must be one of ${OPTIMIZERS.join(', ')}, got '${values.optimizer}'`);
  return {
    iters: integer('iters', values.iters, 4000, 0),
    batchSize: integer('batch-size', values['batch-size'], 128, 1),
    lr: learningRate(values.lr),
    optimizer,
    seed: integer('seed', values.seed, 0, 0, MAX_SEED),
    logEvery: integer('log-every', values['log-every'], 1000, 1),
    verbose: values.verbose ?? false,
    help: values.help ?? false,
    ...(values['allow-nan'] ? { allowNan: true } : {}),
    ...(values['no-verify'] ? { verifyData: false } : {}),
    ...(values.backend !== undefined ? { backend: values.backend } : {}),
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    ...(values.save !== undefined ? { save: values.save } : {}),
    ...(values.load !== undefined ? { load: values.load } : {}),
    ...(values.report !== undefined ? { report: values.report } : {}),
  };
}
