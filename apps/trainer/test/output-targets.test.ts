import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeShortMnist } from './short-mnist.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'kindling-output-targets-')));
const dataDir = join(workDir, 'data');
const fifo = join(workDir, 'a-fifo');
const socketPath = join(workDir, 'a-socket');
let socketServer: Server;

beforeAll(async () => {
  mkdirSync(dataDir);
  writeShortMnist(dataDir);
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  socketServer = createServer();
  await new Promise<void>((resolve) => socketServer.listen(socketPath, resolve));
});
afterAll(async () => {
  await new Promise((resolve) => socketServer.close(resolve));
  rmSync(workDir, { recursive: true, force: true });
});

function runCli(args: string[]) {
  return spawnSync(process.execPath, [cli, '--data-dir', dataDir, '--no-verify', ...args], { encoding: 'utf8', cwd: workDir, env: { ...process.env, KINDLING_BACKEND: 'cpu' } });
}

function expectUsageErrorBeforeTraining(run: ReturnType<typeof runCli>, message: string) {
  expect(run.status).toBe(2);
  expect(run.stderr).toContain(`kindling-train: ${message}`);
  expect(run.stdout).not.toContain('Training on backend');
}

describe('two outputs of one run naming the same file', () => {
  const cases = [
    { args: ['--save', 'out.bin', '--export-onnx', 'out.bin'], message: `--save out.bin and --export-onnx out.bin name the same file (${join(workDir, 'out.bin')})` },
    { args: ['--save', 'same.json', '--report', 'same.json'], message: '--save same.json and --report same.json name the same file' },
    { args: ['--report', 'curves.svg', '--plot', `${workDir}/data/../curves.svg`], message: `--report curves.svg and --plot ${workDir}/data/../curves.svg name the same file` },
  ];
  it.each(cases)('are a usage error before training: $args', ({ args, message }) => {
    expectUsageErrorBeforeTraining(runCli(['--iters', '50', ...args]), message);
    expect(existsSync(join(workDir, 'out.bin'))).toBe(false);
  });

  it('are a usage error when a symlink leads one to the other', () => {
    const target = join(workDir, 'weights.safetensors');
    const link = join(workDir, 'link-to-weights');
    symlinkSync(target, link);
    expectUsageErrorBeforeTraining(runCli(['--iters', '50', '--save', target, '--plot', link]), `--save ${target} and --plot ${link} name the same file (${target})`);
  });
});

describe('output paths that are not regular files', () => {
  it.each([
    { flag: 'save', kind: 'a FIFO', path: () => fifo },
    { flag: 'report', kind: 'a socket', path: () => socketPath },
  ])('--$flag to $kind is refused before training, and left as it was', ({ flag, kind, path }) => {
    const run = runCli(['--iters', '50', `--${flag}`, path()]);
    expectUsageErrorBeforeTraining(run, `--${flag} ${path()}: is ${kind}, not a regular file; writing would replace it with one, so give the path of a regular file`);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(lstatSync(socketPath).isSocket()).toBe(true);
  });

  it('a symlink to a FIFO is refused, naming the flag and the target', () => {
    const link = join(workDir, 'link-to-fifo');
    symlinkSync(fifo, link);
    const run = runCli(['--iters', '50', '--plot', link]);
    expectUsageErrorBeforeTraining(run, `--plot ${link}: is a FIFO (a symlink to ${fifo}), not a regular file`);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('a symlink loop is refused', () => {
    const loop = join(workDir, 'loop');
    symlinkSync(loop, loop);
    expectUsageErrorBeforeTraining(runCli(['--iters', '50', '--report', loop]), `--report ${loop}: passes through more than 40 symbolic links`);
  });
});

describe('outputs through symlinks', () => {
  it('write the files the links point to, keeping the links and leaving no temporary files', () => {
    const outDir = join(workDir, 'real-outputs');
    const linkDir = join(workDir, 'links');
    mkdirSync(outDir);
    mkdirSync(linkDir);
    const report = join(outDir, 'report.json');
    writeFileSync(report, 'the previous report');
    symlinkSync(report, join(linkDir, 'report.json'));
    // A relative, dangling link: the file it names is created.
    symlinkSync('../real-outputs/net.safetensors', join(linkDir, 'net.safetensors'));
    const run = runCli(['--iters', '2', '--batch-size', '16', '--report', join(linkDir, 'report.json'), '--save', join(linkDir, 'net.safetensors')]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`saved the report to ${join(linkDir, 'report.json')}`);
    expect(lstatSync(join(linkDir, 'report.json')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(linkDir, 'net.safetensors')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(report, 'utf8')).iterations).toBe(2);
    expect(statSync(join(outDir, 'net.safetensors')).size).toBeGreaterThan(1_000_000);
    expect(readdirSync(outDir).sort()).toEqual(['net.safetensors', 'report.json']);
    expect(readdirSync(linkDir).sort()).toEqual(['net.safetensors', 'report.json']);
  }, 60_000);
});
