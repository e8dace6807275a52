import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainResult } from '../src/train.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const workDir = mkdtempSync(join(tmpdir(), 'kindling-trainer-'));

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

// Asynchronous, so that vitest's worker stays responsive while the child process trains.
async function trainCli(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, KINDLING_BACKEND: 'cpu' } });
  return stdout;
}

describe('the tutorial on real MNIST', () => {
  const checkpoint = join(workDir, 'net.safetensors');
  const reportPath = join(workDir, 'report.json');

  it('learns past 90% validation accuracy in a few hundred steps and reports the run', async () => {
    const output = await trainCli(['--iters', '150', '--log-every', '50', '--save', checkpoint, '--report', reportPath]);
    expect(output).toContain('(inToHl1): Linear(inFeatures=784, outFeatures=512, bias=true)');
    expect(output).toMatch(/step {5}0: training loss 2\.\d{4}, validation accuracy/);
    expect(output).toMatch(/step {3}150: training loss/);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Record<string, unknown> & { log: { step: number }[]; memory: TrainResult['memory'] };
    expect(report).toMatchObject({ backend: 'cpu', iterations: 150, batchSize: 128 });
    expect(report.log.map((entry) => entry.step)).toEqual([0, 50, 100, 150]);
    expect(report['validationAccuracy']).toBeGreaterThan(90);
    expect(report['testAccuracy']).toBeGreaterThan(90);
    for (const key of ['trainSeconds', 'msPerStep', 'finalLoss', 'peakRssMB']) expect(report[key]).toBeGreaterThan(0);
    // Nothing leaks from step to step: the same tensors and storages after step 10 as at the end.
    expect(report.memory.end).toEqual(report.memory.step10);
    expect(Object.keys(report.memory.end).sort()).toEqual(['numBytes', 'numStorages', 'numTensors']); // cpu has no device buffers
  }, 300_000);

  it('evaluates a saved checkpoint to the same test accuracy', async () => {
    const trained = JSON.parse(readFileSync(reportPath, 'utf8')) as { testAccuracy: number };
    const output = await trainCli(['--load', checkpoint, '--iters', '0', '--report', reportPath]);
    const reloaded = JSON.parse(readFileSync(reportPath, 'utf8')) as { testAccuracy: number; memory: TrainResult['memory'] };
    expect(reloaded.testAccuracy).toBe(trained.testAccuracy);
    expect(Object.keys(reloaded.memory)).toEqual(['end']); // no step 10 to report
    expect(output).toContain(`test accuracy ${trained.testAccuracy.toFixed(2)}%`);
  }, 120_000);
});
