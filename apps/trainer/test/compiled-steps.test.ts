import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { writeShortMnist } from './short-mnist.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const workDir = mkdtempSync(join(tmpdir(), 'kindling-compiled-'));

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface Report {
  log: { loss: number }[];
  testAccuracy: number;
}

/** The report of a CLI run on `args`, with or without --no-compile. */
async function report(dataDir: string, args: string[], compiled: boolean): Promise<Report> {
  const path = join(workDir, `${args.join('-')}-${compiled}.json`);
  await promisify(execFile)(process.execPath, [cli, '--data-dir', dataDir, '--no-verify', ...args, '--report', path, ...(compiled ? [] : ['--no-compile'])]);
  return JSON.parse(readFileSync(path, 'utf8')) as Report;
}

describe('the trainer replays its steps (compile), with the numbers of the steps written out', () => {
  // For the cnn, 144 training images: batches of 32 leave a last one of 16, which gets a recording of its own.
  const mlpDir = mkdtempSync(join(workDir, 'mlp-'));
  writeShortMnist(mlpDir);
  const cnnDir = mkdtempSync(join(workDir, 'cnn-'));
  writeShortMnist(cnnDir, { train: 144, test: 100 });

  it('--model mlp: every logged loss and the test accuracy', { timeout: 120_000 }, async () => {
    const args = ['--backend', 'workers', '--iters', '12', '--log-every', '3', '--batch-size', '32'];
    const [compiled, written] = await Promise.all([report(mlpDir, args, true), report(mlpDir, args, false)]);
    expect(compiled.log.map((entry) => entry.loss)).toEqual(written.log.map((entry) => entry.loss));
    expect(compiled.testAccuracy).toBe(written.testAccuracy);
  });

  it('--model cnn, dropout and the smaller last batch included: every logged loss and the test accuracy', { timeout: 120_000 }, async () => {
    const args = ['--model', 'cnn', '--backend', 'workers', '--epochs', '3', '--batch-size', '32', '--log-interval', '1'];
    const [compiled, written] = await Promise.all([report(cnnDir, args, true), report(cnnDir, args, false)]);
    expect(compiled.log).toHaveLength(15);
    expect(compiled.log.map((entry) => entry.loss)).toEqual(written.log.map((entry) => entry.loss));
    expect(compiled.testAccuracy).toBe(written.testAccuracy);
  });
});
