import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { GptTrainResult } from '../src/train-gpt.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const workDir = mkdtempSync(join(tmpdir(), 'kindling-gpt-run-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/*
 * A tiny GPT (2 layers, 2 heads, 64 wide: 0.1M parameters) on the real tiny Shakespeare, on workers:
 * a step took about 65 ms on a quiet 2-core machine, against 460 ms on the reference cpu backend
 * (the same losses on both), so 300 steps and 4 estimates take about 25 s.
 */
const TINY = ['--preset', 'char-cpu', '--backend', 'workers', '--n-layer', '2', '--n-head', '2', '--n-embd', '64', '--block-size', '32', '--batch-size', '16',
  '--learning-rate', '3e-3', '--min-lr', '3e-4', '--warmup-iters', '30', '--lr-decay-iters', '300', '--max-iters', '300', '--eval-interval', '100', '--eval-iters', '10', '--log-interval', '50'];

describe('kindling-train --model gpt on tiny Shakespeare', () => {
  const reportPath = join(workDir, 'gpt.json');
  const plotPath = join(workDir, 'gpt.svg');
  let stdout = '';

  it("learns: the val loss falls from ln 65 to below a bigram model's, printing train.py's lines", async () => {
    ({ stdout } = await promisify(execFile)(process.execPath, [cli, '--model', 'gpt', ...TINY, '--report', reportPath, '--plot', plotPath], { encoding: 'utf8' }));
    expect(stdout).toContain("Training on backend 'workers'");
    expect(stdout).toContain('number of parameters: 0.10M');
    const steps = stdout.match(/^step \d+: train loss \d+\.\d{4}, val loss \d+\.\d{4}$/gm) ?? [];
    expect(steps.map((line) => line.split(':')[0])).toEqual(['step 0', 'step 100', 'step 200', 'step 300']);
    const iters = stdout.match(/^iter \d+: loss \d+\.\d{4}, time \d+\.\d{2}ms$/gm) ?? [];
    expect(iters.map((line) => line.split(':')[0])).toEqual(['iter 0', 'iter 50', 'iter 100', 'iter 150', 'iter 200', 'iter 250']);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as GptTrainResult;
    const [first, last] = [report.evals[0], report.evals.at(-1)];
    // ln 65 = 4.17 at the start. When this was written: 2.372 at iteration 300, against 2.48 for
    // character-bigram counts of the train split (add-one smoothed) on the val split.
    expect(first?.valLoss).toBeCloseTo(Math.log(65), 1);
    expect(last?.valLoss).toBeLessThan(2.45);
    expect(stdout).toContain(`step 300: train loss ${last?.trainLoss.toFixed(4)}, val loss ${last?.valLoss.toFixed(4)}`);
  }, 240_000);

  it('reports the estimates, the best val loss, every iteration and the speed', () => {
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as GptTrainResult;
    expect(report).toMatchObject({
      backend: 'workers', model: 'gpt', startIteration: 0, finalIteration: 300, iterations: 300, batchSize: 16, parameters: 102_784,
      config: { nLayer: 2, nHead: 2, nEmbd: 64, blockSize: 32, vocabSize: 65, dropout: 0, bias: false },
      hyperparameters: { learningRate: 3e-3, maxIters: 300, seed: 1337, weightDecay: 0.1, gradClip: 1, beta2: 0.99 },
    });
    expect(report.evals.map((entry) => entry.iter)).toEqual([0, 100, 200, 300]);
    expect(report.bestValLoss).toBe(Math.min(...report.evals.map((entry) => entry.valLoss)));
    expect(report.log).toHaveLength(300);
    expect(report.log.map((entry) => entry.iter)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    // The schedule as logged: warmup to 3e-3 at iteration 30, then the cosine towards 3e-4.
    expect(report.log[0]?.lr).toBeCloseTo(3e-3 / 31, 12);
    expect(report.log[30]?.lr).toBeCloseTo(3e-3, 12);
    expect(report.log[299]?.lr).toBeCloseTo(3e-4, 6);
    expect(report.msPerIter).toBeGreaterThan(0);
    expect(report.tokensPerSecond).toBeCloseTo((16 * 32 * 1000) / report.msPerIter, 6);
    for (const key of ['trainSeconds', 'peakRssMB'] as const) expect(report[key]).toBeGreaterThan(0);
    expect(stdout).toMatch(/300 iterations in \d+\.\d s \(\d+\.\d{2} ms\/iter median, \d+ tokens\/s\) on 'workers', best val loss \d\.\d{4}/);
  });

  it('plots the training loss of every iteration and the estimated val loss', () => {
    const svg = readFileSync(plotPath, 'utf8');
    expect(svg).toContain('<g data-series="loss" data-points="300">');
    expect(svg).toContain('<g data-series="loss" data-points="4">');
    expect(svg).toContain('val loss (estimated)');
  });
});
