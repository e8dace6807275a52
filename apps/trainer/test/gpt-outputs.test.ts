import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'kindling-gpt-outputs-')));
const fifo = join(workDir, 'a-fifo');

beforeAll(() => {
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  mkdirSync(join(workDir, 'a-directory'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function runGpt(args: string[]) {
  return spawnSync(process.execPath, [cli, '--model', 'gpt', '--preset', 'char-cpu', '--max-iters', '2', ...args], { encoding: 'utf8', cwd: workDir, env: { ...process.env, KINDLING_BACKEND: 'cpu' } });
}

describe('--model gpt outputs are checked before training, as the other models', () => {
  it.each([
    { args: ['--save', 'run.out', '--report', 'run.out'], message: `--save run.out and --report run.out name the same file (${join(workDir, 'run.out')})` },
    { args: ['--plot', 'curves.svg', '--export-onnx', './curves.svg'], message: '--export-onnx ./curves.svg and --plot curves.svg name the same file' },
    { args: ['--export-onnx', fifo], message: `--export-onnx ${fifo}: is a FIFO, not a regular file` },
    { args: ['--report', 'a-directory'], message: '--report a-directory: is a directory; give the path of a file to write' },
    { args: ['--save', 'no-such-dir/ckpt.safetensors'], message: `--save no-such-dir/ckpt.safetensors: the directory ${join(workDir, 'no-such-dir')} does not exist` },
  ])('refuses $args', ({ args, message }) => {
    const run = runGpt(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`kindling-train: ${message}`);
    expect(run.stdout).not.toContain('Training on backend');
    expect(existsSync(join(workDir, 'run.out'))).toBe(false);
  });

  it('a --resume checkpoint that is not one is an error naming the file', () => {
    const run = runGpt(['--resume', join(workDir, 'missing.safetensors')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`could not read ${join(workDir, 'missing.safetensors')}`);
  });
});

describe('--text', () => {
  const tiny = ['--n-layer', '1', '--n-head', '1', '--n-embd', '8', '--block-size', '8', '--batch-size', '2', '--eval-iters', '1'];

  it('trains on another UTF-8 text, with a vocabulary of its characters', () => {
    writeFileSync(join(workDir, 'corpus.txt'), 'ab cd — ünïcode\n'.repeat(40));
    const run = runGpt([...tiny, '--text', 'corpus.txt', '--report', 'text.json']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(workDir, 'text.json'), 'utf8'));
    expect(report.config.vocabSize).toBe(new Set('ab cd — ünïcode\n').size);
    expect(report.evals.map((entry: { iter: number }) => entry.iter)).toEqual([0, 2]);
  }, 60_000);

  it('refuses a text too short for the block size, naming both', () => {
    writeFileSync(join(workDir, 'short.txt'), 'to be or not to be');
    const run = runGpt([...tiny, '--text', 'short.txt']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the val split of short.txt has 2 characters, too few for --block-size 8; give a longer --text or a smaller --block-size');
  });
});
