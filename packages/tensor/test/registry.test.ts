import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  add,
  BackendUnavailableError,
  CpuBackend,
  getKernel,
  KERNEL_NAMES,
  listBackends,
  probeBackends,
  registerBackend,
  registerKernel,
  setBackend,
  tensor,
} from '../src/index.js';

/** A second host backend: the cpu kernels under another name, so cross-device rules can be tested. */
class MirrorBackend extends CpuBackend {
  override readonly name = 'cpu-mirror';
}

registerBackend('cpu-mirror', () => new MirrorBackend(), { priority: -1 });
for (const kernelName of KERNEL_NAMES) {
  const kernelFunc = getKernel(kernelName, 'cpu');
  if (kernelFunc) registerKernel({ kernelName, backendName: 'cpu-mirror', kernelFunc });
}
registerBackend('broken', () => {
  throw new Error('no adapter answered');
});

describe('backend registry', () => {
  it('lists backends by priority with their availability', async () => {
    await setBackend('cpu');
    await expect(setBackend('broken')).rejects.toThrow(new BackendUnavailableError('broken', 'no adapter answered'));
    const infos = listBackends();
    expect(infos.map((b) => b.name)).toEqual(['cpu', 'broken', 'cpu-mirror']);
    expect(infos.find((b) => b.name === 'cpu')).toMatchObject({ available: true, priority: 0 });
    expect(infos.find((b) => b.name === 'broken')).toMatchObject({ available: false, reason: 'no adapter answered' });
    expect(infos.find((b) => b.name === 'cpu-mirror')?.available).toBe('not probed yet');
  });

  it('probes every backend on request', async () => {
    const infos = await probeBackends();
    expect(infos.find((b) => b.name === 'cpu-mirror')?.available).toBe(true);
    expect(infos.find((b) => b.name === 'broken')?.available).toBe(false);
  });

  it('probes a backend in a child process and keeps what the probe printed off the terminal', async () => {
    const script = `process.stderr.write('error: XDG_RUNTIME_DIR is invalid or not set in the environment.\\n'); console.log('no adapter answered');`;
    let started = false;
    registerBackend(
      'probed',
      () => {
        started = true;
        return new CpuBackend();
      },
      { probe: { script } },
    );
    await expect(setBackend('probed')).rejects.toThrow("backend 'probed' is unavailable: no adapter answered");
    expect(started).toBe(false);
    expect(listBackends().find((b) => b.name === 'probed')).toMatchObject({
      available: false,
      reason: 'no adapter answered',
      probeOutput: 'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
    });
  });

  it('starts a backend whose probe prints no reason, and reports a probe that crashes', async () => {
    registerBackend('probed-ok', () => new MirrorBackend(), { probe: { script: '' } });
    registerBackend('probe-crash', () => new CpuBackend(), { probe: { script: `console.error('segfault-ish'); process.exit(3);` } });
    expect((await setBackend('probed-ok')).name).toBe('cpu-mirror');
    await expect(setBackend('probe-crash')).rejects.toThrow("backend 'probe-crash' is unavailable: its probe exited with 3: segfault-ish");
    await setBackend('cpu');
  });

  it('moves tensors between devices and refuses to mix them', async () => {
    await setBackend('cpu');
    const a = tensor([1, 2]);
    const b = a.to('cpu-mirror');
    expect(b.device).toBe('cpu-mirror');
    expect(Array.from(await b.data())).toEqual([1, 2]);
    expect(() => add(a, b)).toThrow("add: expected all tensors on the same device, but found 'cpu' and 'cpu-mirror'; move one with t.to('cpu')");
    expect(tensor([3], { device: 'cpu-mirror' }).device).toBe('cpu-mirror');
  });

  it('refuses names that collide with dtypes or existing backends', () => {
    expect(() => registerBackend('float32', () => new CpuBackend())).toThrow(/not a valid backend name/);
    expect(() => registerBackend('cpu', () => new CpuBackend())).toThrow("registerBackend: a backend named 'cpu' is already registered");
    expect(() => registerKernel({ kernelName: 'Fill', backendName: 'cpu', kernelFunc: (backend) => backend.upload(new Float32Array()) })).toThrow(
      "registerKernel: 'Fill' is already registered for backend 'cpu'",
    );
  });

  it('honours KINDLING_BACKEND and explains an unknown name', () => {
    const entry = new URL('../dist/index.js', import.meta.url).href;
    const script = `import(${JSON.stringify(entry)}).then((k) => { try { console.log(k.tensor([1]).device); } catch (e) { console.log(e.message); } })`;
    const run = (backend: string) => execFileSync(process.execPath, ['-e', script], { env: { ...process.env, KINDLING_BACKEND: backend } }).toString().trim();
    expect(run('cpu')).toBe('cpu');
    expect(run('nope')).toBe(
      "backend 'nope' is unavailable: no backend of that name is registered (registered: cpu); " +
        'register it first with the function its package exports (registerWorkersBackend() from @kindling/backend-workers, for one)',
    );
  });
});

describe('one copy per process', () => {
  /** A copy of the built package at `version` in its own node_modules, as npm installs a second version. */
  function installCopy(root: string, version: string): string {
    const dir = join(root, version, 'node_modules', '@kindling', 'tensor');
    cpSync(fileURLToPath(new URL('../dist', import.meta.url)), join(dir, 'dist'), { recursive: true });
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, version }));
    return dir;
  }

  it('refuses to load a second copy, naming both versions and paths', () => {
    const root = mkdtempSync(join(tmpdir(), 'kindling-two-tensors-'));
    try {
      const first = installCopy(root, '0.1.0');
      const second = installCopy(root, '0.2.0');
      const entry = (dir: string) => JSON.stringify(join(dir, 'dist', 'index.js'));
      const script = `await import(${entry(first)}); try { await import(${entry(second)}); console.log('loaded twice'); } catch (e) { console.log(e.message); }`;
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', script]).toString().trim();
      expect(output).toContain(`@kindling/tensor is loaded twice in this process: 0.1.0 at ${first}/ and 0.2.0 at ${second}/.`);
      expect(output).toContain('npm ls @kindling/tensor');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
