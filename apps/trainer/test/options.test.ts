import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../src/options.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;

describe('kindling-train flags', () => {
  it('defaults to the tutorial configuration', () => {
    expect(parseCli([])).toEqual({ iters: 4000, batchSize: 128, lr: 0.01, optimizer: 'adam', seed: 0, logEvery: 1000, verbose: false, help: false });
  });

  it('reads every flag', () => {
    const options = parseCli(['--backend', 'cpu', '--iters', '10', '--batch-size', '32', '--lr', '0.1', '--optimizer', 'sgd', '--seed', '3', '--log-every', '5', '--data-dir', '/d', '--save', 'a.safetensors', '--load', 'b.safetensors', '--report', 'r.json']);
    expect(options).toMatchObject({ backend: 'cpu', iters: 10, batchSize: 32, lr: 0.1, optimizer: 'sgd', seed: 3, logEvery: 5, dataDir: '/d', save: 'a.safetensors', load: 'b.safetensors', report: 'r.json' });
  });

  it('explains bad flags', () => {
    expect(() => parseCli(['--iters', 'many'])).toThrow(new UsageError("--iters must be an integer ≥ 0, got 'many'"));
    expect(() => parseCli(['--optimizer', 'rmsprop'])).toThrow("--optimizer must be one of adam, adamw, sgd, got 'rmsprop'");
    expect(() => parseCli(['--lr=-1'])).toThrow("--lr must be a non-negative number, got '-1'");
    expect(() => parseCli(['--speed'])).toThrow(UsageError);
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
