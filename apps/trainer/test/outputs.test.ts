import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '@kindling/nn';
import { setBackend } from '@kindling/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../src/train.js';
import { writeShortMnist } from './short-mnist.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const workDir = mkdtempSync(join(tmpdir(), 'kindling-outputs-'));
const dataDir = join(workDir, 'data');
const notADirectory = join(workDir, 'file-not-dir');

beforeAll(() => {
  mkdirSync(dataDir);
  writeShortMnist(dataDir);
  writeFileSync(notADirectory, '');
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function runCli(args: string[], cwd = workDir) {
  const started = performance.now();
  const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd, env: { ...process.env, KINDLING_BACKEND: 'cpu' } });
  return { ...run, seconds: (performance.now() - started) / 1000 };
}

describe('kindling-train checks its outputs before the first step', () => {
  const cases = [
    { flag: 'save', path: '/no/such/dir/net.safetensors', message: 'the directory /no/such/dir does not exist; create it or choose another path' },
    { flag: 'save', path: join(notADirectory, 'out'), message: `${notADirectory} is not a directory` },
    { flag: 'save', path: join(notADirectory, 'deeper', 'out'), message: `${notADirectory}/deeper is not a directory (a part of the path is a file)` },
    { flag: 'save', path: workDir, message: 'is a directory; give the path of a file to write' },
    { flag: 'report', path: '/etc/passwd/report.json', message: '/etc/passwd is not a directory' },
    { flag: 'report', path: workDir, message: 'is a directory; give the path of a file to write' },
    { flag: 'plot', path: '/no/such/dir/curves.svg', message: 'the directory /no/such/dir does not exist; create it or choose another path' },
  ];
  it.each(cases)('--$flag $path', ({ flag, path, message }) => {
    const run = runCli(['--data-dir', dataDir, '--iters', '100000', `--${flag}`, path]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`kindling-train: --${flag} ${path}: ${message}`);
    expect(run.stdout).not.toContain('Training on backend');
    expect(readdirSync(workDir).filter((name) => name.includes('.tmp-') || name.startsWith('.kindling-write-check'))).toEqual([]);
  });
});

describe('a write that fails at the end of a run', () => {
  it('saves the weights to a fallback file after printing the test accuracy (CLI)', async () => {
    const outDir = join(workDir, 'removed-during-run');
    const runDir = join(workDir, 'run-cwd');
    mkdirSync(outDir);
    mkdirSync(runDir);
    const target = join(outDir, 'net.safetensors');
    const child = spawn(process.execPath, [cli, '--data-dir', dataDir, '--no-verify', '--iters', '3', '--batch-size', '32', '--save', target], {
      cwd: runDir,
      env: { ...process.env, KINDLING_BACKEND: 'cpu' },
    });
    let stdout = '';
    let stderr = '';
    // The output check has passed once training starts; removing the directory then makes the final save fail.
    child.stdout.on('data', (chunk: Buffer) => {
      if (!stdout.includes('Training on backend') && (stdout + chunk.toString()).includes('Training on backend')) rmSync(outDir, { recursive: true });
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const fallback = join(runDir, `kindling-${child.pid}-net.safetensors`);
    expect(status).toBe(1);
    expect(stdout).toMatch(/test accuracy \d+\.\d\d%/);
    expect(stderr).toContain(`kindling-train: --save ${target}: save: could not write ${target}:`);
    expect(stderr).toContain(`saved the weights to ${fallback} instead`);
    expect(Object.keys(await load(fallback))).toContain('inToHl1.weight');
  }, 60_000);

  it('train() reports where the weights went when the path cannot be written', async () => {
    await setBackend('cpu');
    const fallbackDir = join(workDir, 'fallback');
    mkdirSync(fallbackDir);
    const save = join(notADirectory, 'net.safetensors');
    const result = await train({ iters: 2, batchSize: 16, lr: 0.01, optimizer: 'sgd', seed: 0, logEvery: 2, dataDir, verifyData: false, save, fallbackDirs: ['/no/such/dir', fallbackDir] });
    expect(result.testAccuracy).toBeGreaterThan(0);
    expect(result.saved?.path).toBe(join(fallbackDir, `kindling-${process.pid}-net.safetensors`));
    expect(result.saved?.error).toContain(`save: could not write ${save}`);
    expect(Object.keys(await load(result.saved?.path as string))).toEqual(['inToHl1.weight', 'inToHl1.bias', 'hl1ToHl2.weight', 'hl1ToHl2.bias', 'hl2ToOut.weight', 'hl2ToOut.bias']);
  }, 60_000);
});

describe('a diverging run', () => {
  it('stops at the first non-finite loss, naming the step and the learning rate', () => {
    const run = runCli(['--data-dir', dataDir, '--no-verify', '--iters', '50', '--batch-size', '32', '--lr', '1e300']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('kindling-train: the training loss is NaN at step 1 with learning rate 1e+300; the run diverged — lower the learning rate (--lr), or pass --allow-nan to train on anyway');
    expect(run.stdout).not.toContain('test accuracy');
  }, 60_000);

  it('trains on with --allow-nan', () => {
    const run = runCli(['--data-dir', dataDir, '--no-verify', '--iters', '3', '--batch-size', '32', '--lr', '1e300', '--allow-nan']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('step     3: training loss NaN');
  }, 60_000);
});
