import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GPT_PRESETS, parseGptCli, requestsGpt } from '../src/gpt-options.js';
import { UsageError } from '../src/options.js';
import { nanoGptLr } from '../src/train-gpt.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const gpt = (...args: string[]) => parseGptCli(['--model', 'gpt', ...args]);

describe('kindling-train --model gpt flags', () => {
  it('is chosen by --model gpt in either spelling, and only then', () => {
    expect(requestsGpt(['--model', 'gpt'])).toBe(true);
    expect(requestsGpt(['--iters', '3', '--model=gpt'])).toBe(true);
    expect(requestsGpt(['--model', 'cnn'])).toBe(false);
    expect(requestsGpt(['--save', 'gpt'])).toBe(false);
  });

  it("defaults to nanoGPT's config/train_shakespeare_char.py over train.py's defaults", () => {
    expect(gpt()).toMatchObject({
      model: 'gpt', preset: 'char', nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256, batchSize: 64, dropout: 0.2, bias: false,
      learningRate: 1e-3, maxIters: 5000, lrDecayIters: 5000, minLr: 1e-4, beta2: 0.99, warmupIters: 100,
      evalInterval: 250, evalIters: 200, logInterval: 10, weightDecay: 0.1, gradClip: 1, seed: 1337, allowNan: false,
    });
  });

  it("has nanoGPT README's CPU run as --preset char-cpu", () => {
    expect(gpt('--preset', 'char-cpu')).toMatchObject({
      preset: 'char-cpu', nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, batchSize: 12, maxIters: 2000, lrDecayIters: 2000, dropout: 0,
      evalIters: 20, logInterval: 1, learningRate: 1e-3, minLr: 1e-4, beta2: 0.99, warmupIters: 100, evalInterval: 250,
    });
    // The preset changes only what the README's command line changes.
    const changed = Object.keys(GPT_PRESETS.char).filter((key) => GPT_PRESETS.char[key as 'nLayer'] !== GPT_PRESETS['char-cpu'][key as 'nLayer']);
    expect(changed.sort()).toEqual(['batchSize', 'blockSize', 'dropout', 'evalIters', 'logInterval', 'lrDecayIters', 'maxIters', 'nEmbd', 'nHead', 'nLayer']);
  });

  it('lets every flag override the preset', () => {
    const options = gpt('--preset=char-cpu', '--n-layer', '2', '--n-head', '2', '--n-embd', '64', '--block-size', '32', '--batch-size', '8', '--max-iters', '300',
      '--learning-rate', '3e-3', '--min-lr', '0', '--warmup-iters', '0', '--lr-decay-iters', '300', '--dropout', '0.1', '--weight-decay', '0', '--beta2', '0.95',
      '--grad-clip', '0', '--eval-interval', '50', '--eval-iters', '5', '--log-interval', '25', '--bias', '--seed', '7', '--text', 'corpus.txt', '--backend', 'cpu',
      '--save', 'c.safetensors', '--report', 'r.json', '--plot', 'p.svg', '--export-onnx', 'm.onnx', '--allow-nan');
    expect(options).toMatchObject({
      nLayer: 2, nHead: 2, nEmbd: 64, blockSize: 32, batchSize: 8, maxIters: 300, learningRate: 3e-3, minLr: 0, warmupIters: 0, lrDecayIters: 300, dropout: 0.1,
      weightDecay: 0, beta2: 0.95, gradClip: 0, evalInterval: 50, evalIters: 5, logInterval: 25, bias: true, seed: 7, text: 'corpus.txt', backend: 'cpu',
      save: 'c.safetensors', report: 'r.json', plot: 'p.svg', exportOnnx: 'm.onnx', allowNan: true,
    });
    expect([...options.explicit]).toContain('n-layer');
    expect(options.explicit.has('preset')).toBe(true);
  });

  it('names the flag, the value and the range of a bad number', () => {
    const refusals: [string[], string][] = [
      [['--n-layer', '0'], "--n-layer must be an integer ≥ 1, got '0'"],
      [['--max-iters', '1.5'], "--max-iters must be an integer ≥ 0, got '1.5'"],
      [['--learning-rate', '0'], "--learning-rate must be a finite number > 0, got '0'"],
      [['--min-lr=-1'], "--min-lr must be a finite number ≥ 0, got '-1'"],
      [['--dropout', '1'], "--dropout must be a number from 0 up to (not including) 1, got '1'"],
      [['--beta2', 'NaN'], "--beta2 must be a number from 0 up to (not including) 1, got 'NaN'"],
      [['--grad-clip', 'Infinity'], "--grad-clip must be a finite number ≥ 0, got 'Infinity'"],
      [['--eval-iters', ''], '--eval-iters needs a value, got an empty string'],
      [['--preset', 'gpt2'], "--preset must be one of char, char-cpu, got 'gpt2'"],
      [['--n-embd', '100', '--n-head', '6'], '--n-embd 100 must be a multiple of --n-head 6 (each head is n-embd / n-head wide); change one of them'],
      [['--warmup-iters', '200', '--lr-decay-iters', '200'], '--lr-decay-iters 200 must be greater than --warmup-iters 200: the cosine decay runs from one to the other'],
      [['--resume', 'c.safetensors', '--seed', '3'], "--seed cannot be given with --resume: the run continues the checkpoint's random streams (its seed); drop --seed, or train from scratch without --resume"],
    ];
    for (const [args, message] of refusals) expect(() => gpt(...args), args.join(' ')).toThrow(new UsageError(message));
    // The tutorial's flags are not the GPT's.
    expect(() => gpt('--iters', '5')).toThrow("Unknown option '--iters'");
  });
});

describe("nanoGPT's get_lr", () => {
  const char = GPT_PRESETS.char;
  it('warms up linearly, decays on a cosine to --min-lr at --lr-decay-iters, then stays there', () => {
    expect(nanoGptLr(0, char)).toBeCloseTo(1e-3 / 101, 15);
    expect(nanoGptLr(99, char)).toBeCloseTo((1e-3 * 100) / 101, 15);
    expect(nanoGptLr(100, char)).toBeCloseTo(1e-3, 15);
    expect(nanoGptLr(2550, char)).toBeCloseTo(1e-4 + 0.5 * 9e-4, 15);
    expect(nanoGptLr(5000, char)).toBeCloseTo(1e-4, 15);
    expect(nanoGptLr(7000, char)).toBe(1e-4);
  });
});

describe('the gpt command line', () => {
  it('exits with the usage code and the gpt usage for a bad flag', () => {
    const run = spawnSync(process.execPath, [cli, '--model', 'gpt', '--dropout', '2'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("kindling-train: --dropout must be a number from 0 up to (not including) 1, got '2'");
    expect(run.stderr).toContain('Usage: kindling-train --model gpt [options]');
  });

  it('prints its help', () => {
    const help = execFileSync(process.execPath, [cli, '--model', 'gpt', '--help'], { encoding: 'utf8' });
    for (const flag of ['--preset', '--n-layer', '--lr-decay-iters', '--eval-iters', '--resume', '--export-onnx']) expect(help).toContain(flag);
    expect(execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' })).toContain('--model gpt');
  });
});
