import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from '@kindling/nn';
import { afterAll, describe, expect, it } from 'vitest';
import type { CnnTrainResult } from '../src/train-cnn.js';
import { writeShortMnist } from './short-mnist.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const workDir = mkdtempSync(join(tmpdir(), 'kindling-cnn-'));

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

// The workers backend: a convolution step on the reference cpu backend takes seconds, not a fraction of one.
async function trainCnnCli(dataDir: string, args: string[]): Promise<string> {
  const command = [cli, '--model', 'cnn', '--backend', 'workers', '--data-dir', dataDir, '--no-verify', ...args];
  const { stdout } = await promisify(execFile)(process.execPath, command, { encoding: 'utf8' });
  return stdout;
}

function readReport(path: string): CnnTrainResult {
  return JSON.parse(readFileSync(path, 'utf8')) as CnnTrainResult;
}

describe('--model cnn, main.py on Kindling', () => {
  // 640 training images are 10 batches of 64 per epoch, so 25 steps end part-way through epoch 3.
  const shortDir = mkdtempSync(join(workDir, 'short-'));
  writeShortMnist(shortDir, { train: 640, test: 200 });
  const checkpoint = join(workDir, 'cnn.safetensors');
  const reportPath = join(workDir, 'cnn-report.json');

  it("learns, prints main.py's lines, decays the rate by epoch and reports the run", async () => {
    const output = await trainCnnCli(shortDir, ['--epochs', '5', '--iters', '25', '--log-interval', '5', '--save', checkpoint, '--report', reportPath]);
    expect(output).toContain('(conv1): Conv2d(1, 32, kernelSize=[3,3])');
    expect(output).toContain('(fc1): Linear(inFeatures=9216, outFeatures=128, bias=true)');
    const trainLines = output.split('\n').filter((line) => line.startsWith('Train Epoch:'));
    expect(trainLines.map((line) => line.replace(/Loss: .*/, 'Loss:'))).toEqual([
      'Train Epoch: 1 [0/640 (0%)]\tLoss:',
      'Train Epoch: 1 [320/640 (50%)]\tLoss:',
      'Train Epoch: 2 [0/640 (0%)]\tLoss:',
      'Train Epoch: 2 [320/640 (50%)]\tLoss:',
      'Train Epoch: 3 [0/640 (0%)]\tLoss:',
    ]);
    for (const line of trainLines) expect(line).toMatch(/\tLoss: \d+\.\d{6}$/);
    const testLines = output.match(/^Test set: Average loss: \d+\.\d{4}, Accuracy: \d+\/200 \(\d+%\)$/gm);
    expect(testLines).toHaveLength(3);

    const report = readReport(reportPath);
    expect(report).toMatchObject({ backend: 'workers', model: 'cnn', iterations: 25, epochs: 3, batchSize: 64 });
    expect(report.log.map(({ epoch, batch, step }) => [epoch, batch, step])).toEqual([[1, 0, 0], [1, 5, 5], [2, 0, 10], [2, 5, 15], [3, 0, 20]]);
    // StepLR(stepSize 1, gamma 0.7) from lr 1.0: one decay per epoch.
    expect(report.log.map((entry) => entry.lr)).toEqual([1, 1, 0.7, 0.7, expect.closeTo(0.49, 12)]);
    expect(report.testAccuracyPerEpoch).toHaveLength(3);
    expect(report.testLossPerEpoch).toHaveLength(3);
    expect(report.testAccuracy).toBe(report.testAccuracyPerEpoch[2]);
    expect(testLines?.[2]).toContain(`Accuracy: ${(report.testAccuracy * 2).toFixed(0)}/200`);
    // It learns: from chance to 88.5% of the 200 test images in 25 steps when this was written.
    expect(report.log[0]?.loss).toBeGreaterThan(2);
    expect(report.finalLoss).toBeLessThan(1);
    const [first, second, third] = report.testLossPerEpoch as [number, number, number];
    expect(second).toBeLessThan(first);
    expect(third).toBeLessThan(second);
    expect(report.testAccuracy).toBeGreaterThan(80);
    for (const key of ['trainSeconds', 'msPerStep', 'peakRssMB'] as const) expect(report[key]).toBeGreaterThan(0);
    // Nothing leaks from step to step, across epoch ends and test passes included.
    expect(report.memory.end).toEqual(report.memory.step10);
    expect(report.saved).toEqual({ path: checkpoint });
  }, 150_000);

  it("saves PyTorch's state-dict keys and evaluates the checkpoint to the same test accuracy", async () => {
    const weights = await load(checkpoint);
    expect(Object.fromEntries(Object.entries(weights).map(([key, tensor]) => [key, tensor.shape]))).toEqual({
      'conv1.weight': [32, 1, 3, 3],
      'conv1.bias': [32],
      'conv2.weight': [64, 32, 3, 3],
      'conv2.bias': [64],
      'fc1.weight': [128, 9216],
      'fc1.bias': [128],
      'fc2.weight': [10, 128],
      'fc2.bias': [10],
    });
    const trained = readReport(reportPath);
    const output = await trainCnnCli(shortDir, ['--load', checkpoint, '--iters', '0', '--report', reportPath]);
    const reloaded = readReport(reportPath);
    expect(reloaded).toMatchObject({ iterations: 0, epochs: 0, testAccuracy: trained.testAccuracy, testAccuracyPerEpoch: [] });
    expect(output).toContain(`test accuracy ${trained.testAccuracy.toFixed(2)}%`);
  }, 60_000);

  it('reaches 95% on 1,000 test images after 200 steps on 12,800 real MNIST training images', async () => {
    const dir = mkdtempSync(join(workDir, 'slice-'));
    writeShortMnist(dir, { train: 200 * 64, test: 1000 });
    const path = join(workDir, 'cnn-200.json');
    await trainCnnCli(dir, ['--epochs', '1', '--log-interval', '50', '--report', path]);
    const report = readReport(path);
    expect(report).toMatchObject({ iterations: 200, epochs: 1 });
    expect(report.testAccuracy).toBeGreaterThan(95);
  }, 300_000);
});
