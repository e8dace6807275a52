import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ones, setBackend, tensor, type Tensor } from '@kindling/tensor';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Linear, load, save } from '../src/index.js';

const workDir = mkdtempSync(join(tmpdir(), 'kindling-save-safety-'));
const nnEntry = new URL('../dist/index.js', import.meta.url).href;
const tensorEntry = new URL('../../tensor/dist/index.js', import.meta.url).href;

beforeAll(() => setBackend('cpu'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const temporaries = (dir: string) => readdirSync(dir).filter((name) => name.includes('.tmp-'));

/**
 * Runs a process that starts saving a 160 MB checkpoint over `path` and sends itself `signal` once
 * the temporary file exists, that is, part-way through the write.
 */
function interruptedSave(path: string, signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL') {
  const script = `
    import { readdirSync } from 'node:fs';
    import { basename, dirname } from 'node:path';
    const { save } = await import(${JSON.stringify(nnEntry)});
    const { zeros } = await import(${JSON.stringify(tensorEntry)});
    save({ big: zeros([40_000_000]) }, ${JSON.stringify(path)});
    const started = Date.now();
    const poll = () => {
      const writing = readdirSync(dirname(${JSON.stringify(path)})).some((n) => n.startsWith(basename(${JSON.stringify(path)}) + '.tmp-'));
      if (writing || Date.now() - started > 20000) process.kill(process.pid, ${JSON.stringify(signal)});
      else setImmediate(poll);
    };
    poll();`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
}

describe('save', () => {
  it('refuses metadata that is not strings before writing anything', async () => {
    const path = join(workDir, 'metadata.safetensors');
    const tensors = { w: ones([2]) };
    await expect(save(tensors, path, { epoch: 3 } as unknown as Record<string, string>)).rejects.toThrow(
      new TypeError("save: metadata 'epoch' is number (3); safetensors metadata values are strings — pass String(value)"),
    );
    await expect(save(tensors, path, null as unknown as Record<string, string>)).rejects.toThrow("save: metadata must be an object of strings, such as { epoch: '3' }; got null");
    expect(existsSync(path)).toBe(false);
    await save(tensors, path, { epoch: '3' });
    expect(Array.from((await load(path))['w']?.dataSync() ?? [])).toEqual([1, 1]);
  });

  it('removes its temporary file when interrupted by SIGINT or SIGTERM, keeping the old checkpoint', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const dir = mkdtempSync(join(workDir, `${signal}-`));
      const path = join(dir, 'net.safetensors');
      await save({ w: tensor([1, 2, 3]) }, path);
      const run = interruptedSave(path, signal);
      expect(run.signal).toBe(signal);
      expect(temporaries(dir)).toEqual([]);
      expect(Array.from((await load(path))['w']?.dataSync() ?? [])).toEqual([1, 2, 3]);
    }
  }, 60_000);

  it("removes the temporary files of killed saves on the next save to the same path, not those of live ones", async () => {
    const dir = mkdtempSync(join(workDir, 'killed-'));
    const path = join(dir, 'net.safetensors');
    await save({ w: tensor([1, 2, 3]) }, path);
    const killed = interruptedSave(path, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const left = temporaries(dir);
    expect(left).toHaveLength(1);
    // A save of another process still running (this test's parent) and a file that is not a save's.
    const live = `net.safetensors.tmp-${process.ppid}-0123456789ab`;
    writeFileSync(join(dir, live), '');
    writeFileSync(join(dir, 'other.safetensors.tmp-1-0123456789ab'), '');
    await save({ w: tensor([4, 5, 6]) }, path);
    expect(temporaries(dir).sort()).toEqual([live, 'other.safetensors.tmp-1-0123456789ab']);
    expect(Array.from((await load(path))['w']?.dataSync() ?? [])).toEqual([4, 5, 6]);
  }, 60_000);
});

describe('save and load without a file system (a browser)', () => {
  it('say that files need Node and point to serialize and deserialize', async () => {
    const builtins = vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    try {
      const hint = "files need Node's file system, which this environment lacks; in a browser, serialize() gives a checkpoint's bytes (for a Blob) and deserialize() reads them (from a File)";
      await expect(save({ w: tensor([1]) }, join(workDir, 'browser.safetensors'))).rejects.toThrow(new Error(`save: ${hint}`));
      await expect(load(join(workDir, 'browser.safetensors'))).rejects.toThrow(new Error(`load: ${hint}`));
    } finally {
      builtins.mockRestore();
    }
    expect(existsSync(join(workDir, 'browser.safetensors'))).toBe(false);
  });
});

describe('loadStateDict', () => {
  it('rejects what is not a record of tensors, saying what it expects', () => {
    const layer = new Linear(2, 1);
    const cases: [unknown, string][] = [
      [null, 'null'],
      [undefined, 'undefined'],
      [[ones([1, 2])], 'an array'],
      [ones([1, 2]), 'a Tensor'],
      ['net.safetensors', 'a string'],
    ];
    for (const [value, what] of cases) {
      expect(() => layer.loadStateDict(value as Record<string, Tensor>)).toThrow(
        new TypeError(`loadStateDict: expected a record of tensors by parameter name (as stateDict() and load() give), got ${what}`),
      );
    }
  });
});
