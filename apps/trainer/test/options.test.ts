import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../src/options.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;

describe('kindling-train flags', () => {
  it('defaults to the tutorial configuration', () => {
    expect(parseCli([])).toEqual({ model: 'mlp', iters: 4000, batchSize: 128, lr: 0.01, optimizer: 'adam', seed: 0, logEvery: 1000, verbose: false, help: false });
  });

  it('reads every flag', () => {
    const options = parseCli(['--backend', 'cpu', '--iters', '10', '--batch-size', '32', '--lr', '0.1', '--optimizer', 'sgd', '--seed', '3', '--log-every', '5', '--data-dir', '/d', '--save', 'a.safetensors', '--load', 'b.safetensors', '--report', 'r.json', '--plot', 'p.svg']);
    expect(options).toMatchObject({ backend: 'cpu', iters: 10, batchSize: 32, lr: 0.1, optimizer: 'sgd', seed: 3, logEvery: 5, dataDir: '/d', save: 'a.safetensors', load: 'b.safetensors', report: 'r.json', plot: 'p.svg' });
  });

  it('defaults to main.py for --model cnn', () => {
    expect(parseCli(['--model', 'cnn'])).toEqual({ model: 'cnn', epochs: 14, batchSize: 64, lr: 1.0, gamma: 0.7, seed: 1, logInterval: 10, verbose: false, help: false });
  });

  it('reads the cnn flags', () => {
    const options = parseCli(['--model=cnn', '--epochs', '2', '--iters', '30', '--batch-size', '32', '--lr', '0.5', '--gamma', '0.9', '--seed', '7', '--log-interval', '3', '--save', 'c.safetensors']);
    expect(options).toEqual({ model: 'cnn', epochs: 2, iters: 30, batchSize: 32, lr: 0.5, gamma: 0.9, seed: 7, logInterval: 3, save: 'c.safetensors', verbose: false, help: false });
  });

  it("refuses a flag the chosen model would ignore", () => {
    expect(() => parseCli(['--model', 'cnn', '--optimizer', 'sgd'])).toThrow(new UsageError('--optimizer applies to --model mlp only, not to --model cnn'));
    expect(() => parseCli(['--model', 'cnn', '--log-every', '5'])).toThrow(new UsageError('--log-every applies to --model mlp only, not to --model cnn'));
    for (const flag of ['epochs', 'gamma', 'log-interval']) {
      expect(() => parseCli([`--${flag}`, '2'])).toThrow(new UsageError(`--${flag} applies to --model cnn only, not to --model mlp`));
    }
    expect(() => parseCli(['--model', 'resnet'])).toThrow(new UsageError("--model must be one of mlp, cnn, gpt, got 'resnet'"));
  });

  it('explains bad flags', () => {
    expect(() => parseCli(['--iters', 'many'])).toThrow(new UsageError("--iters must be an integer ≥ 0, got 'many'"));
    expect(() => parseCli(['--optimizer', 'rmsprop'])).toThrow("--optimizer must be one of adam, adamw, sgd, got 'rmsprop'");
    expect(() => parseCli(['--lr=-1'])).toThrow("--lr must be a finite number > 0, got '-1'");
    expect(() => parseCli(['--speed'])).toThrow(UsageError);
  });

  it('refuses an empty value for every flag that takes one', () => {
    for (const flag of ['model', 'backend', 'iters', 'batch-size', 'lr', 'optimizer', 'seed', 'log-every', 'epochs', 'gamma', 'log-interval', 'data-dir', 'save', 'export-onnx', 'load', 'report']) {
      expect(() => parseCli([`--${flag}`, ''])).toThrow(new UsageError(`--${flag} needs a value, got an empty string`));
      expect(() => parseCli([`--${flag}=  `])).toThrow(new UsageError(`--${flag} needs a value, got an empty string`));
    }
  });

  it('checks the range of every number', () => {
    const refusals: [string, string, string][] = [
      ['lr', '0', "--lr must be a finite number > 0, got '0'"],
      ['lr', 'Infinity', "--lr must be a finite number > 0, got 'Infinity'"],
      ['lr', 'NaN', "--lr must be a finite number > 0, got 'NaN'"],
      ['seed', '1e20', "--seed must be an integer from 0 to 9007199254740989, got '1e20'"],
      ['seed', '-1', "--seed must be an integer from 0 to 9007199254740989, got '-1'"],
      ['iters', '1e20', "--iters must be an integer ≥ 0, got '1e20'"],
      ['iters', '2.5', "--iters must be an integer ≥ 0, got '2.5'"],
      ['batch-size', '0', "--batch-size must be an integer ≥ 1, got '0'"],
      ['log-every', '0', "--log-every must be an integer ≥ 1, got '0'"],
    ];
    for (const [flag, value, message] of refusals) expect(() => parseCli([`--${flag}=${value}`])).toThrow(new UsageError(message));
    const cnnRefusals: [string, string, string][] = [
      ['epochs', '0', "--epochs must be an integer ≥ 1, got '0'"],
      ['epochs', '1.5', "--epochs must be an integer ≥ 1, got '1.5'"],
      ['gamma', '0', "--gamma must be a finite number > 0, got '0'"],
      ['gamma', 'NaN', "--gamma must be a finite number > 0, got 'NaN'"],
      ['log-interval', '0', "--log-interval must be an integer ≥ 1, got '0'"],
      ['iters', '-1', "--iters must be an integer ≥ 0, got '-1'"],
      ['batch-size', '0', "--batch-size must be an integer ≥ 1, got '0'"],
    ];
    for (const [flag, value, message] of cnnRefusals) expect(() => parseCli(['--model', 'cnn', `--${flag}=${value}`])).toThrow(new UsageError(message));
    expect(parseCli(['--lr', '1e300', '--seed', '9007199254740989'])).toMatchObject({ lr: 1e300, seed: 9007199254740989 });
    expect(parseCli(['--allow-nan'])).toMatchObject({ allowNan: true });
  });

  it('exits with the usage code, naming the flag, for an empty value', () => {
    const run = spawnSync(process.execPath, [cli, '--iters', ''], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('kindling-train: --iters needs a value, got an empty string');
    const cnnRun = spawnSync(process.execPath, [cli, '--model', 'cnn', '--gamma=-1'], { encoding: 'utf8' });
    expect(cnnRun.status).toBe(2);
    expect(cnnRun.stderr).toContain("kindling-train: --gamma must be a finite number > 0, got '-1'");
  });

  it('prints a usage message, not a stack trace, for an unknown flag', () => {
    const run = spawnSync(process.execPath, [cli, '--speed'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("kindling-train: Unknown option '--speed'");
    expect(run.stderr).toContain('Usage: kindling-train [options]');
    expect(run.stderr).not.toContain('    at ');
  });

  it('prints help', () => {
    expect(execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' })).toContain('--log-every <n>');
  });
});
