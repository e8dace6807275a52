import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const tensorEntry = fileURLToPath(new URL('../../../packages/tensor/dist/index.js', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'kindling-quiet-probe-'));

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const DRIVER_NOISE = 'error: XDG_RUNTIME_DIR is invalid or not set in the environment.';

/** A backend preferred over every real one whose probe complains on stderr, as Mesa does, and finds no device. */
const noisyBackend = `
import { CpuBackend, registerBackend } from ${JSON.stringify(tensorEntry)};
const script = ${JSON.stringify(`process.stderr.write(${JSON.stringify(`${DRIVER_NOISE}
`)}); console.log('no device node');`)};
registerBackend('noisy', () => new CpuBackend(), { priority: 10, probe: { script } });
`;

/** A backend preferred over every real one whose start fails as `workers` does under a memory limit. */
const starvedBackend = `
import { registerBackend } from ${JSON.stringify(tensorEntry)};
registerBackend('starved', () => { throw new RangeError('WebAssembly.Memory(): could not allocate memory'); }, { priority: 10 });
`;

async function trainWithNoisyBackend(args: string[], backend = noisyBackend): Promise<{ stdout: string; stderr: string }> {
  const preload = join(workDir, 'preferred-backend.mjs');
  writeFileSync(preload, backend);
  const env = { ...process.env };
  delete env['KINDLING_BACKEND'];
  return promisify(execFile)(process.execPath, ['--import', preload, cli, '--iters', '0', ...args], { encoding: 'utf8', env });
}

describe('probing backends that cannot start', () => {
  it('prints nothing from their drivers, and falls back saying why, once', async () => {
    const { stdout, stderr } = await trainWithNoisyBackend([]);
    expect(stderr).toBe('');
    expect(stdout).not.toContain('XDG_RUNTIME_DIR');
    // Dawn's own lines; the reason a backend was skipped may name Vulkan.
    expect(stdout).not.toMatch(/Warning: Vulkan|While initializing adapter/);
    expect(stdout).toMatch(/^Skipped backend 'noisy': no device node\n(Skipped backend '[a-z]+': .+\n)*Training on backend '(webgpu|workers|gpujs)'\n/);
    expect(stdout.split("'noisy'")).toHaveLength(2);
    expect(stdout).toMatch(/test accuracy \d+\.\d\d%/);
  }, 120_000);

  it('says a backend skipped for lack of memory once, with its reason', async () => {
    const { stdout, stderr } = await trainWithNoisyBackend([], starvedBackend);
    expect(stdout).toMatch(/^Skipped backend 'starved': WebAssembly\.Memory\(\): could not allocate memory\n/);
    expect(`${stdout}${stderr}`.split("'starved'")).toHaveLength(2);
    expect(stdout).toMatch(/test accuracy \d+\.\d\d%/);
  }, 120_000);

  it('under a limit on virtual memory, says each backend it skips once and trains on one that starts', async () => {
    const env = { ...process.env };
    delete env['KINDLING_BACKEND'];
    // 4 GB is plenty for Node and the cpu backend but not for the address space V8 reserves for a WebAssembly memory.
    const script = `ulimit -v 4000000 && exec ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} --iters 0`;
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', script], { encoding: 'utf8', env });
    expect(stderr).not.toContain('WebAssembly.Memory');
    const [before = ''] = stdout.split('Training on backend');
    const skipped = before.split('\n').filter((line) => line !== '');
    for (const line of skipped) expect(line).toMatch(/^Skipped backend '[a-z]+': ./);
    const names = skipped.map((line) => /'([a-z]+)'/.exec(line)?.[1]);
    expect(new Set(names).size).toBe(names.length);
    if (!stdout.includes("Training on backend 'workers'")) expect(names).toContain('workers');
    expect(stdout).toMatch(/test accuracy \d+\.\d\d%/);
  }, 120_000);

  it('shows the reason and the captured driver messages with --verbose', async () => {
    const { stdout, stderr } = await trainWithNoisyBackend(['--verbose']);
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('Backends:');
    expect(lines).toContain('  noisy    unavailable: no device node');
    expect(lines).toContain(`           | ${DRIVER_NOISE}`);
    expect(lines.some((line) => /^ {2}cpu {6}(not probed yet|available)$/.test(line))).toBe(true);
    expect(stdout).not.toContain('Skipped backend');
  }, 120_000);
});
