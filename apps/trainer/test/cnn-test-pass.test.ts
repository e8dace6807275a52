import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@kindling/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBackends } from '../src/backends.js';
import { trainCnn, type CnnTrainOptions, type TestResult } from '../src/train-cnn.js';
import { writeShortMnist } from './short-mnist.js';

describe("the cnn's test pass", () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-cnn-test-pass-'));

  beforeAll(async () => {
    registerBackends();
    await setBackend('workers');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same sums for batches of 1000, run through the network in parts, as for batches of 100', async () => {
    writeShortMnist(dir, { train: 64, test: 1000 });
    const settings: CnnTrainOptions = { dataDir: dir, verifyData: false, epochs: 1, iters: 0, batchSize: 64, lr: 1, gamma: 0.7, seed: 1, logInterval: 10 };
    const measure = async (testBatchSize: number): Promise<TestResult> => {
      const results: TestResult[] = [];
      await trainCnn({ ...settings, testBatchSize, onTest: (result) => results.push(result) });
      expect(results).toHaveLength(1);
      return results[0] as TestResult;
    };
    const whole = await measure(1000);
    const hundreds = await measure(100);
    expect(whole.total).toBe(1000);
    expect(whole.correct).toBe(hundreds.correct);
    expect(whole.averageLoss).toBeCloseTo(hundreds.averageLoss, 5);
    // The untrained network's loss is near ln 10, not 0: the parts were scored against their own labels.
    expect(whole.averageLoss).toBeGreaterThan(2);
  }, 120_000);
});
