import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeShortMnist } from './short-mnist.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const workDir = mkdtempSync(join(tmpdir(), 'kindling-data-source-'));
const threeFiles = join(workDir, 'three-files');

beforeAll(() => {
  mkdirSync(threeFiles);
  writeShortMnist(threeFiles);
  rmSync(join(threeFiles, 't10k-labels-idx1-ubyte'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function runCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, '--iters', '1', ...args], { encoding: 'utf8', env: { ...process.env, KINDLING_BACKEND: 'cpu', KINDLING_MNIST_DIR: '', ...env } });
}

const HEADLINE = 'kindling-train: the MNIST directory you named cannot be used (other sources are tried only when none is named):';

describe('a data directory the user names', () => {
  it('is an error when it does not exist (--data-dir)', () => {
    const run = runCli(['--data-dir', join(workDir, 'missing')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${HEADLINE}\n  - dir ${join(workDir, 'missing')}: not a directory`);
    expect(run.stdout).not.toContain('step ');
  });

  it('is an error when it holds three of the four files (KINDLING_MNIST_DIR)', () => {
    const run = runCli([], { KINDLING_MNIST_DIR: threeFiles });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${HEADLINE}\n  - dir ${threeFiles} (from KINDLING_MNIST_DIR): missing t10k-labels-idx1-ubyte[.gz]`);
  });

  it('must hold the original MNIST unless --no-verify is given', () => {
    const shortMnist = join(workDir, 'short');
    mkdirSync(shortMnist);
    writeShortMnist(shortMnist);
    const run = runCli(['--data-dir', shortMnist]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/: the SHA-256 of its data is [0-9a-f]{64}, expected [0-9a-f]{64}; the file is corrupt or not the original MNIST .* or pass verify: false \(kindling-train --no-verify\) to use other data/);
    const unverified = runCli(['--data-dir', shortMnist, '--no-verify', '--batch-size', '8']);
    expect(unverified.status).toBe(0);
    expect(unverified.stdout).toMatch(/test accuracy \d+\.\d\d%/);
  }, 60_000);
});

describe('an invalid KINDLING_THREADS with the default backend', () => {
  it('is said once, in one line, before the trainer falls back to another backend', () => {
    const env: Record<string, string | undefined> = { ...process.env, KINDLING_THREADS: '0', KINDLING_MNIST_DIR: '' };
    delete env['KINDLING_BACKEND'];
    // A missing data directory ends the run right after the backend is chosen.
    const run = spawnSync(process.execPath, [cli, '--iters', '1', '--data-dir', join(workDir, 'missing')], { encoding: 'utf8', env });
    expect(run.stdout).toMatch(/Skipped backend 'workers': KINDLING_THREADS must be an integer from 1 to 256, got '0'; unset it to use the available cores\n(Skipped backend .*\n)*Training on backend '[a-z]+'\n/);
    expect(`${run.stdout}${run.stderr}`.split('KINDLING_THREADS')).toHaveLength(2);
    expect(run.stdout).not.toContain("Training on backend 'workers'");
  }, 60_000);
});
