import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { save } from '@kindling/nn';
import { fullLike, setBackend } from '@kindling/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConvNet, Net } from '@kindling/models';
import { writeShortMnist } from './short-mnist.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const workDir = mkdtempSync(join(tmpdir(), 'kindling-non-finite-'));
const dataDir = join(workDir, 'data');

beforeAll(async () => {
  await setBackend('cpu');
  mkdirSync(dataDir);
  writeShortMnist(dataDir, { train: 5100, test: 100 });
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The state dict of `net` with `poisoned` filled with `value`, written to `name` in the work directory. */
async function poisonedCheckpoint(net: Net | ConvNet, poisoned: string, value: number, name: string): Promise<string> {
  const weights = net.stateDict();
  weights[poisoned] = fullLike(weights[poisoned] as NonNullable<(typeof weights)[string]>, value);
  const path = join(workDir, name);
  await save(weights, path);
  return path;
}

function runCli(args: string[]) {
  return spawnSync(process.execPath, [cli, '--data-dir', dataDir, '--no-verify', ...args], { encoding: 'utf8', env: { ...process.env, KINDLING_BACKEND: 'cpu' } });
}

describe('--load of a checkpoint with non-finite weights', () => {
  it('names the checkpoint and the tensor, not the learning rate, when evaluating (--iters 0)', async () => {
    const path = await poisonedCheckpoint(new Net(), 'hl1ToHl2.weight', NaN, 'nan.safetensors');
    const run = runCli(['--load', path, '--iters', '0']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`kindling-train: the checkpoint ${path} has non-finite weights: hl1ToHl2.weight holds 262144 NaN or infinite values of 262144`);
    expect(run.stderr).not.toContain('learning rate');
    expect(run.stdout).not.toContain('test accuracy');
  }, 60_000);

  it('refuses an infinite weight before training the cnn', async () => {
    const path = await poisonedCheckpoint(new ConvNet(), 'fc2.bias', Infinity, 'inf.safetensors');
    const run = runCli(['--model', 'cnn', '--load', path, '--iters', '1']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`kindling-train: the checkpoint ${path} has non-finite weights: fc2.bias holds 10 NaN or infinite values of 10`);
  }, 60_000);
});
