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

async function trainWithNoisyBackend(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const preload = join(workDir, 'noisy-backend.mjs');
  writeFileSync(preload, noisyBackend);
  const env = { ...process.env };
  delete env['KINDLING_BACKEND'];
  return promisify(execFile)(process.execPath, ['--import', preload, cli, '--iters', '0', ...args], { encoding: 'utf8', env });
}

describe('probing backends that cannot start', () => {
  it('prints nothing from their drivers, and falls back', async () => {
    const { stdout, stderr } = await trainWithNoisyBackend([]);
    expect(stderr).toBe('');
    expect(stdout).not.toContain('XDG_RUNTIME_DIR');
    expect(stdout).not.toContain('Vulkan');
    expect(stdout).toMatch(/^Training on backend '(webgpu|workers|gpujs)'\n/);
    expect(stdout).toMatch(/test accuracy \d+\.\d\d%/);
  }, 120_000);

  it('shows the reason and the captured driver messages with --verbose', async () => {
    const { stdout, stderr } = await trainWithNoisyBackend(['--verbose']);
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('Backends:');
    expect(lines).toContain('  noisy    unavailable: no device node');
    expect(lines).toContain(`           | ${DRIVER_NOISE}`);
    expect(lines.some((line) => /^ {2}cpu {6}(not tried|available)$/.test(line))).toBe(true);
  }, 120_000);
});
