#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { registerBackends, startBackend } from './backends.js';
import { UsageError } from './options.js';
import { sampleGpt, type SampleOptions } from './sample.js';

export const SAMPLE_USAGE = `Usage: kindling-sample --checkpoint <file> [options]

Writes text with a GPT that kindling-train --model gpt --save trained, as nanoGPT's sample.py:
each sample on its own, followed by a line of 15 dashes.

Options:
  --checkpoint <file>     the checkpoint to sample from (required)
  --start <text>          the prompt each sample continues (default: a newline); FILE:<path> reads it from a file
  --num-samples <n>       samples to draw (default 10)
  --max-new-tokens <n>    characters to add to the prompt in each sample (default 500)
  --temperature <x>       > 0; below 1 more predictable, above 1 more random (default 0.8)
  --top-k <n>             draw only from the n most likely characters (default 200: all of a character vocabulary)
  --seed <n>              random seed (default 1337): a seed gives the same samples
  --backend <name>        compute backend (default: the best available)
  --help                  show this message`;

interface SampleCliOptions extends SampleOptions {
  backend?: string;
  help: boolean;
}

function integer(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min) throw new UsageError(`--${flag} must be an integer ≥ ${min}, got '${value}'`);
  return parsed;
}

/** The options of `kindling-sample`, with sample.py's defaults; `--start FILE:<path>` is read here. */
export async function parseSampleCli(argv: readonly string[]): Promise<SampleCliOptions> {
  let values: Record<string, string | boolean | undefined>;
  try {
    const flags = ['checkpoint', 'start', 'num-samples', 'max-new-tokens', 'temperature', 'top-k', 'seed', 'backend'];
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { ...Object.fromEntries(flags.map((flag) => [flag, { type: 'string' as const }])), help: { type: 'boolean' } } }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const help = values['help'] === true;
  const text = (flag: string) => (typeof values[flag] === 'string' ? (values[flag] as string) : undefined);
  for (const flag of ['checkpoint', 'num-samples', 'max-new-tokens', 'temperature', 'top-k', 'seed', 'backend']) {
    if (text(flag)?.trim() === '') throw new UsageError(`--${flag} needs a value, got an empty string`);
  }
  const checkpoint = text('checkpoint');
  if (checkpoint === undefined && !help) throw new UsageError('--checkpoint is required: give the file kindling-train --model gpt --save wrote');
  const temperature = Number(text('temperature') ?? 0.8);
  if (!Number.isFinite(temperature) || temperature <= 0) throw new UsageError(`--temperature must be a finite number > 0, got '${text('temperature')}'`);
  let start = text('start') ?? '\n';
  if (start.startsWith('FILE:')) {
    try {
      start = await readFile(start.slice('FILE:'.length), 'utf8');
    } catch (error) {
      throw new UsageError(`--start ${start}: could not read the file (${error instanceof Error ? error.message : String(error)}); give an existing UTF-8 file after FILE:`);
    }
  }
  if (start === '') throw new UsageError('--start must hold at least one character for the model to continue');
  return {
    checkpoint: checkpoint ?? '',
    start,
    numSamples: integer('num-samples', text('num-samples'), 10, 1),
    maxNewTokens: integer('max-new-tokens', text('max-new-tokens'), 500, 0),
    temperature,
    topK: integer('top-k', text('top-k'), 200, 1),
    seed: integer('seed', text('seed'), 1337, 0),
    ...(text('backend') !== undefined ? { backend: text('backend') } : {}),
    help,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const options = await parseSampleCli(argv);
  if (options.help) {
    console.log(SAMPLE_USAGE);
    return 0;
  }
  registerBackends();
  // Only the samples go to stdout, as sample.py's, so that they can be piped.
  await startBackend(options.backend, (name, reason) => console.error(`Skipped backend '${name}': ${reason}`));
  for (const sample of await sampleGpt(options)) {
    console.log(sample);
    console.log('---------------');
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`kindling-sample: ${error.message}\n\n${SAMPLE_USAGE}`);
      process.exit(2);
    }
    console.error(`kindling-sample: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
