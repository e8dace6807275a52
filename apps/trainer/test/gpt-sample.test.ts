import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const trainCli = new URL('../dist/cli.js', import.meta.url).pathname;
const sampleCli = new URL('../bin/kindling-sample.js', import.meta.url).pathname;
const workDir = mkdtempSync(join(tmpdir(), 'kindling-gpt-sample-'));
const checkpoint = join(workDir, 'ckpt.safetensors');

beforeAll(() => {
  const args = ['--model', 'gpt', '--preset', 'char-cpu', '--backend', 'workers', '--n-layer', '1', '--n-head', '2', '--n-embd', '32', '--block-size', '16', '--batch-size', '8',
    '--max-iters', '20', '--eval-interval', '20', '--eval-iters', '2', '--log-interval', '10', '--save', checkpoint];
  const run = spawnSync(process.execPath, [trainCli, ...args], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
}, 60_000);
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function sample(...args: string[]) {
  return spawnSync(process.execPath, [sampleCli, '--checkpoint', checkpoint, '--num-samples', '3', '--max-new-tokens', '30', ...args], { encoding: 'utf8' });
}

/** The samples of sample.py's output: each followed by a line of 15 dashes. */
function samplesOf(stdout: string): string[] {
  const parts = stdout.split('\n---------------\n');
  expect(parts.at(-1)).toBe('');
  return parts.slice(0, -1);
}

describe('kindling-sample', () => {
  it("prints --num-samples continuations of --start, each followed by sample.py's separator", () => {
    const run = sample('--start', 'ROMEO:', '--backend', 'workers');
    expect(run.status, run.stderr).toBe(0);
    const samples = samplesOf(run.stdout);
    expect(samples).toHaveLength(3);
    for (const text of samples) {
      expect(text.startsWith('ROMEO:')).toBe(true);
      expect(Array.from(text)).toHaveLength('ROMEO:'.length + 30);
    }
    expect(new Set(samples).size).toBe(3);
  }, 60_000);

  it('gives the same samples for a seed, on workers and on cpu, and others for another seed', () => {
    const first = sample('--seed', '5', '--backend', 'workers');
    const again = sample('--seed', '5', '--backend', 'workers');
    const onCpu = sample('--seed', '5', '--backend', 'cpu');
    const other = sample('--seed', '6', '--backend', 'workers');
    for (const run of [first, again, onCpu, other]) expect(run.status, run.stderr).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(onCpu.stdout).toBe(first.stdout);
    expect(other.stdout).not.toBe(first.stdout);
  }, 60_000);

  it('reads the prompt from FILE:<path>, with --temperature and --top-k', () => {
    const prompt = join(workDir, 'prompt.txt');
    writeFileSync(prompt, 'First Citizen:\n');
    const run = sample('--start', `FILE:${prompt}`, '--temperature', '0.5', '--top-k', '5', '--num-samples', '1', '--backend', 'workers');
    expect(run.status, run.stderr).toBe(0);
    expect(samplesOf(run.stdout)[0]?.startsWith('First Citizen:\n')).toBe(true);
  }, 60_000);

  it('names the flag and the problem for bad input', () => {
    const foreign = sample('--start', 'naïve', '--backend', 'cpu');
    expect(foreign.status).toBe(1);
    expect(foreign.stderr).toContain('kindling-sample: --start: CharTokenizer.encode: "ï" at position 2 is not in the vocabulary of 65 characters');
    const cold = sample('--temperature', '0');
    expect(cold.status).toBe(2);
    expect(cold.stderr).toContain("kindling-sample: --temperature must be a finite number > 0, got '0'");
    const none = spawnSync(process.execPath, [sampleCli], { encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('kindling-sample: --checkpoint is required');
    const missing = sample('--start', `FILE:${join(workDir, 'no-such-prompt.txt')}`);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`--start FILE:${join(workDir, 'no-such-prompt.txt')}: could not read the file`);
  }, 60_000);
});
