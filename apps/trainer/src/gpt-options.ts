import { parseArgs } from 'node:util';
import { UsageError } from './options.js';

export const GPT_USAGE = `Usage: kindling-train --model gpt [options]

Trains nanoGPT's character-level GPT (train.py) on tiny Shakespeare or another UTF-8 text: AdamW
(weight decay on the matrices only), a linear warmup then cosine decay of the learning rate,
gradient clipping, and the train and val losses estimated every --eval-interval iterations.

Options (named after nanoGPT's settings; explicit flags override the preset):
  --preset <name>         char (config/train_shakespeare_char.py, the default) or char-cpu (its CPU run
                          from nanoGPT's README: 4 layers, 4 heads, 128 wide, block 64, batch 12, 2000 iters)
  --text <file>           train on this UTF-8 text (default: tiny Shakespeare); 90% train, 10% val
  --n-layer <n>  --n-head <n>  --n-embd <n>  --block-size <n>  --bias   the model
  --batch-size <n>        sequences per iteration
  --max-iters <n>         iterations to train to (with --resume: the total, counting the saved ones)
  --learning-rate <x>     peak learning rate, reached after --warmup-iters
  --min-lr <x>            learning rate at and after --lr-decay-iters
  --warmup-iters <n>      --lr-decay-iters <n>
  --dropout <x>           --weight-decay <x>  --beta2 <x>  --grad-clip <x> (0: no clipping)
  --eval-interval <n>     estimate the train and val losses every n iterations (and at the end)
  --eval-iters <n>        batches per split in each estimate
  --log-interval <n>      print the training loss every n iterations
  --seed <n>              seed of the weights, batches and dropout (default 1337)
  --backend <name>        compute backend (default: the best available)
  --save <file>           checkpoint (.safetensors) at every estimate after iteration 0 and at the end
  --resume <file>         continue from a --save checkpoint (its model, vocabulary, seed and iteration)
  --report <file>         --plot <file>  --export-onnx <file>
  --allow-nan             keep training when the loss becomes NaN or infinite (default: stop)
  --verbose               list every backend tried
  --help                  show this message`;

export type GptPresetName = 'char' | 'char-cpu';

/** nanoGPT's hyperparameters for one run, in camelCase. */
export interface GptHyperparameters {
  nLayer: number;
  nHead: number;
  nEmbd: number;
  blockSize: number;
  bias: boolean;
  dropout: number;
  batchSize: number;
  maxIters: number;
  learningRate: number;
  minLr: number;
  warmupIters: number;
  lrDecayIters: number;
  weightDecay: number;
  beta2: number;
  gradClip: number;
  evalInterval: number;
  evalIters: number;
  logInterval: number;
  seed: number;
}

/** train.py's defaults for what config/train_shakespeare_char.py leaves alone, then that file's settings. */
const CHAR_PRESET: GptHyperparameters = {
  weightDecay: 0.1,
  gradClip: 1.0,
  bias: false,
  seed: 1337,
  nLayer: 6,
  nHead: 6,
  nEmbd: 384,
  blockSize: 256,
  dropout: 0.2,
  batchSize: 64,
  maxIters: 5000,
  learningRate: 1e-3,
  minLr: 1e-4,
  warmupIters: 100,
  lrDecayIters: 5000,
  beta2: 0.99,
  evalInterval: 250,
  evalIters: 200,
  logInterval: 10,
};

export const GPT_PRESETS: Record<GptPresetName, Readonly<GptHyperparameters>> = {
  char: CHAR_PRESET,
  // nanoGPT README's "I only have a macbook" command line, on top of the char config.
  'char-cpu': { ...CHAR_PRESET, evalIters: 20, logInterval: 1, blockSize: 64, batchSize: 12, nLayer: 4, nHead: 4, nEmbd: 128, maxIters: 2000, lrDecayIters: 2000, dropout: 0 },
};

/** Just the hyperparameters of `options` (for a report or a checkpoint, without the CLI's other fields). */
export function hyperparametersOf(options: GptHyperparameters): GptHyperparameters {
  const { nLayer, nHead, nEmbd, blockSize, bias, dropout, batchSize, maxIters, learningRate, minLr, warmupIters, lrDecayIters, weightDecay, beta2, gradClip, evalInterval, evalIters, logInterval, seed } = options;
  return { nLayer, nHead, nEmbd, blockSize, bias, dropout, batchSize, maxIters, learningRate, minLr, warmupIters, lrDecayIters, weightDecay, beta2, gradClip, evalInterval, evalIters, logInterval, seed };
}

/** The model's shape: with `--resume` it comes from the checkpoint, so these flags may only repeat it. */
export const MODEL_SHAPE_FLAGS = { 'n-layer': 'nLayer', 'n-head': 'nHead', 'n-embd': 'nEmbd', 'block-size': 'blockSize', bias: 'bias' } as const;

export interface GptCliOptions extends GptHyperparameters {
  model: 'gpt';
  preset: GptPresetName;
  /** The flags given on the command line (`n-layer`, `seed`, ...), for what --resume may override. */
  explicit: ReadonlySet<string>;
  text?: string;
  backend?: string;
  save?: string;
  resume?: string;
  report?: string;
  plot?: string;
  exportOnnx?: string;
  allowNan: boolean;
  verbose: boolean;
  help: boolean;
}

/** Whether `argv` asks for `--model gpt`, whose flags are parsed here rather than by `parseCli`. */
export function requestsGpt(argv: readonly string[]): boolean {
  return argv.some((arg, i) => arg === '--model=gpt' || (arg === '--model' && argv[i + 1] === 'gpt'));
}

type NumberRule = { kind: 'integer'; min: number; max?: number } | { kind: 'number'; min: number; minExclusive?: boolean; maxExclusive?: number };

const NUMBER_FLAGS: Record<string, [keyof GptHyperparameters, NumberRule]> = {
  'n-layer': ['nLayer', { kind: 'integer', min: 1 }],
  'n-head': ['nHead', { kind: 'integer', min: 1 }],
  'n-embd': ['nEmbd', { kind: 'integer', min: 1 }],
  'block-size': ['blockSize', { kind: 'integer', min: 1 }],
  'batch-size': ['batchSize', { kind: 'integer', min: 1 }],
  'max-iters': ['maxIters', { kind: 'integer', min: 0 }],
  'warmup-iters': ['warmupIters', { kind: 'integer', min: 0 }],
  'lr-decay-iters': ['lrDecayIters', { kind: 'integer', min: 1 }],
  'eval-interval': ['evalInterval', { kind: 'integer', min: 1 }],
  'eval-iters': ['evalIters', { kind: 'integer', min: 1 }],
  'log-interval': ['logInterval', { kind: 'integer', min: 1 }],
  seed: ['seed', { kind: 'integer', min: 0 }],
  'learning-rate': ['learningRate', { kind: 'number', min: 0, minExclusive: true }],
  'min-lr': ['minLr', { kind: 'number', min: 0 }],
  dropout: ['dropout', { kind: 'number', min: 0, maxExclusive: 1 }],
  'weight-decay': ['weightDecay', { kind: 'number', min: 0 }],
  beta2: ['beta2', { kind: 'number', min: 0, maxExclusive: 1 }],
  'grad-clip': ['gradClip', { kind: 'number', min: 0 }],
};

function parseNumber(flag: string, value: string, rule: NumberRule): number {
  const parsed = Number(value);
  if (rule.kind === 'integer') {
    if (!Number.isSafeInteger(parsed) || parsed < rule.min) throw new UsageError(`--${flag} must be an integer ≥ ${rule.min}, got '${value}'`);
    return parsed;
  }
  const upper = rule.maxExclusive;
  const tooLow = rule.minExclusive ? parsed <= rule.min : parsed < rule.min;
  if (!Number.isFinite(parsed) || tooLow || (upper !== undefined && parsed >= upper)) {
    const range = upper !== undefined ? `a number from ${rule.min} up to (not including) ${upper}` : `a finite number ${rule.minExclusive ? '>' : '≥'} ${rule.min}`;
    throw new UsageError(`--${flag} must be ${range}, got '${value}'`);
  }
  return parsed;
}

const STRING_FLAGS = ['model', 'preset', 'text', 'backend', 'save', 'resume', 'report', 'plot', 'export-onnx'] as const;

/** The options of `kindling-train --model gpt`: the preset's settings, then the flags given. */
export function parseGptCli(argv: readonly string[]): GptCliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries([...STRING_FLAGS, ...Object.keys(NUMBER_FLAGS)].map((flag) => [flag, { type: 'string' as const }])),
        bias: { type: 'boolean' },
        'allow-nan': { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  for (const [flag, value] of Object.entries(values)) {
    if (typeof value === 'string' && value.trim() === '') throw new UsageError(`--${flag} needs a value, got an empty string`);
  }
  const preset = (values['preset'] ?? 'char') as GptPresetName;
  if (!(preset in GPT_PRESETS)) throw new UsageError(`--preset must be one of ${Object.keys(GPT_PRESETS).join(', ')}, got '${String(values['preset'])}'`);
  const settings: GptHyperparameters = { ...GPT_PRESETS[preset] };
  for (const [flag, [key, rule]] of Object.entries(NUMBER_FLAGS)) {
    const value = values[flag];
    if (typeof value === 'string') (settings[key] as number) = parseNumber(flag, value, rule);
  }
  if (values['bias'] === true) settings.bias = true;
  if (settings.nEmbd % settings.nHead !== 0) {
    throw new UsageError(`--n-embd ${settings.nEmbd} must be a multiple of --n-head ${settings.nHead} (each head is n-embd / n-head wide); change one of them`);
  }
  // get_lr's cosine runs from --warmup-iters to --lr-decay-iters: an empty stretch would divide by zero.
  if (settings.lrDecayIters <= settings.warmupIters) {
    throw new UsageError(`--lr-decay-iters ${settings.lrDecayIters} must be greater than --warmup-iters ${settings.warmupIters}: the cosine decay runs from one to the other`);
  }
  const text = (flag: (typeof STRING_FLAGS)[number]) => (typeof values[flag] === 'string' ? (values[flag] as string) : undefined);
  const explicit = new Set(Object.keys(values).filter((flag) => flag !== 'model'));
  if (values['resume'] !== undefined && explicit.has('seed')) {
    throw new UsageError('--seed cannot be given with --resume: the run continues the checkpoint\'s random streams (its seed); drop --seed, or train from scratch without --resume');
  }
  return {
    model: 'gpt',
    preset,
    ...settings,
    explicit,
    ...Object.fromEntries(
      (['text', 'backend', 'save', 'resume', 'report', 'plot'] as const).flatMap((flag) => (text(flag) === undefined ? [] : [[flag, text(flag)]])),
    ),
    ...(text('export-onnx') !== undefined ? { exportOnnx: text('export-onnx') } : {}),
    allowNan: values['allow-nan'] === true,
    verbose: values['verbose'] === true,
    help: values['help'] === true,
  };
}
