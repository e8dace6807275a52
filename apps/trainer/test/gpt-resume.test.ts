import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWithMetadata } from '@kindling/nn';
import { afterAll, describe, expect, it } from 'vitest';
import type { GptTrainResult } from '../src/train-gpt.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const workDir = mkdtempSync(join(tmpdir(), 'kindling-gpt-resume-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

// Dropout on, so that the resumed run must also continue the dropout masks' random stream.
const TINY = ['--model', 'gpt', '--preset', 'char-cpu', '--backend', 'workers', '--n-layer', '1', '--n-head', '2', '--n-embd', '32', '--block-size', '16', '--batch-size', '8',
  '--dropout', '0.1', '--warmup-iters', '5', '--lr-decay-iters', '40', '--eval-interval', '10', '--eval-iters', '2', '--log-interval', '10'];

function train(args: string[]) {
  return spawnSync(process.execPath, [cli, ...TINY, ...args], { encoding: 'utf8', cwd: workDir });
}

function readReport(name: string): GptTrainResult {
  return JSON.parse(readFileSync(join(workDir, name), 'utf8')) as GptTrainResult;
}

describe('--save and --resume', () => {
  const checkpoint = join(workDir, 'ckpt.safetensors');

  it('continue a run as if it had never stopped: the same losses at every iteration after the checkpoint', () => {
    const first = train(['--max-iters', '20', '--save', checkpoint]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('saving checkpoint to');
    const resumed = train(['--max-iters', '40', '--resume', checkpoint, '--report', 'resumed.json']);
    expect(resumed.status, resumed.stderr).toBe(0);
    // The resumed run does not estimate iteration 20 again: its estimate is in the checkpoint.
    expect(resumed.stdout).not.toContain('step 20:');
    const whole = train(['--max-iters', '40', '--report', 'whole.json']);
    expect(whole.status, whole.stderr).toBe(0);

    const [resumedReport, wholeReport] = [readReport('resumed.json'), readReport('whole.json')];
    expect(resumedReport).toMatchObject({ startIteration: 20, finalIteration: 40, iterations: 20 });
    expect(resumedReport.log).toEqual(wholeReport.log.slice(20).map((entry, i) => ({ ...entry, ms: resumedReport.log[i]?.ms })));
    expect(resumedReport.evals).toEqual(wholeReport.evals.filter((entry) => entry.iter > 20));
    expect(resumedReport.bestValLoss).toBe(wholeReport.bestValLoss);
  }, 120_000);

  it("holds nanoGPT's weight keys, AdamW's state and the run's state in one safetensors file", async () => {
    const { tensors, metadata } = await loadWithMetadata(checkpoint, { device: 'cpu' });
    const keys = Object.keys(tensors);
    expect(keys).toEqual(expect.arrayContaining(['transformer.wte.weight', 'transformer.wpe.weight', 'transformer.h.0.attn.c_attn.weight', 'transformer.ln_f.weight', 'lm_head.weight']));
    // Two groups (decay on the 2-dim parameters, none on the LayerNorm gains), both moments of each parameter.
    expect(keys.filter((key) => key.startsWith('optimizer.'))).toHaveLength(2 * 9);
    const state = JSON.parse(metadata['kindling.gpt'] as string);
    expect(state).toMatchObject({ iteration: 20, config: { nLayer: 1, nHead: 2, nEmbd: 32, blockSize: 16, vocabSize: 65, bias: false }, hyperparameters: { seed: 1337, maxIters: 20 } });
    expect(state.meta.vocab_size).toBe(65);
    expect(state.optimizer.paramGroups.map((group: { weightDecay: number }) => group.weightDecay)).toEqual([0.1, 0]);
    expect(Object.values(state.optimizer.counters).every((counter) => (counter as { step: number }).step === 20)).toBe(true);
    for (const tensor of Object.values(tensors)) tensor.dispose();
  });

  it("refuses a model-shape flag that disagrees with the checkpoint's, and --seed", () => {
    const wider = train(['--max-iters', '30', '--resume', checkpoint, '--n-embd', '64']);
    expect(wider.status).toBe(1);
    expect(wider.stderr).toContain(`--n-embd 64 differs from the checkpoint's 32: --resume ${checkpoint} keeps the checkpoint's model`);
    const seeded = train(['--max-iters', '30', '--resume', checkpoint, '--seed', '1']);
    expect(seeded.status).toBe(2);
    expect(seeded.stderr).toContain('--seed cannot be given with --resume');
  }, 60_000);
});
