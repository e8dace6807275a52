import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { noGrad } from '@kindling/autograd';
import { readDataSets } from '@kindling/data-mnist';
import { load } from '@kindling/nn';
import { tidy } from '@kindling/tensor';
import { Net } from '@kindling/models';
import { chromium, type Browser, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../test-support/chromium.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const trainerCli = fileURLToPath(new URL('../../trainer/dist/cli.js', import.meta.url));
/** Where `pnpm --filter @kindling/playground screenshot` asks for the picture of the page after training. */
const screenshotPath = process.env['KINDLING_PLAYGROUND_SCREENSHOT'];
/** The slice of the test set the loaded weights are measured on here: SwiftShader takes seconds per 500 images. */
const TEST_IMAGES = 500;

const workDir = mkdtempSync(join(tmpdir(), 'kindling-playground-'));
const trainerWeights = join(workDir, 'trainer.safetensors');
let server: PreviewServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const status = () => byTestId('status').textContent();

/** The tensor names and shapes in a safetensors file's header. */
function safetensorsShapes(bytes: Uint8Array): Record<string, number[]> {
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, { shape?: number[] }>;
  return Object.fromEntries(Object.entries(header).flatMap(([name, entry]) => (name === '__metadata__' ? [] : [[name, entry.shape ?? []]])));
}

/** The accuracy of `weights` on the first `count` test images, computed in Node on the cpu backend. */
async function accuracyInNode(weights: string, count: number): Promise<number> {
  const net = new Net();
  net.loadStateDict(await load(weights));
  const { test } = await readDataSets({ seed: 0 });
  const { images, labels } = test.batches(count, { shuffle: false }).next().value ?? {};
  if (!images || !labels) throw new Error('the test set is empty');
  const correct = tidy(() => noGrad(() => net.forward(images).data.argmax(1).eq(labels).sum()));
  return (100 * Number(await correct.item())) / count;
}

beforeAll(async () => {
  if (!existsSync(join(appDir, 'dist', 'index.html'))) {
    throw new Error(`${join(appDir, 'dist')} is missing: build the app first (pnpm --filter @kindling/playground build; pnpm test builds it)`);
  }
  // The weights the page loads are the trainer's own, as a user would bring them.
  const trained = spawnSync(process.execPath, [trainerCli, '--backend', 'workers', '--iters', '40', '--batch-size', '64', '--log-every', '40', '--save', trainerWeights], { encoding: 'utf8' });
  if (trained.status !== 0) throw new Error(`kindling-train failed (${trained.status}):\n${trained.stdout}\n${trained.stderr}`);
  server = await preview({ root: appDir, logLevel: 'silent', preview: { host: '127.0.0.1', port: 0, strictPort: true } });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error('vite preview gave no local URL');
  await page.goto(url);
  await byTestId('status').filter({ hasText: /^(Ready|The playground could not start)/ }).waitFor({ timeout: 90_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('the playground in Chromium', () => {
  it('starts on webgpu, lists every backend with its state, and reads MNIST from its own origin', async () => {
    expect(await status()).toMatch(/^Ready on webgpu: MNIST read \(55000 training, 5000 validation, 10000 test images; checksums checked\)\.$/);
    expect(await byTestId('backends').locator('[data-backend="webgpu"]').getAttribute('data-available')).toBe('true');
    expect(await byTestId('backends').locator('[data-backend="cpu"]').getAttribute('data-available')).toBe('true');
    const workers = byTestId('backends').locator('[data-backend="workers"]');
    expect(await workers.getAttribute('data-available')).toBe('false');
    expect(await workers.textContent()).toContain("needs Node: it reads its WebAssembly kernels from disk, shares them out over Node's worker threads");
    expect(await byTestId('backend').inputValue()).toBe('webgpu');
    expect(await byTestId('shakespeare-link').getAttribute('href')).toBe('./shakespeare.html');
  });

  it('trains 30 steps with live charts, pausing and resuming on the way', async () => {
    await byTestId('steps').fill('30');
    await byTestId('batch-size').fill('32');
    await byTestId('validate-every').fill('30');
    await byTestId('validation-size').fill('200');
    await byTestId('train').click();
    await expect.poll(async () => Number(await byTestId('step').textContent()), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
    await byTestId('pause').click();
    await expect.poll(status, { timeout: 60_000 }).toMatch(/^Paused at step \d+\.$/);
    const pausedAt = Number(await byTestId('step').textContent());
    expect(pausedAt).toBeLessThan(30);
    expect(await byTestId('loss-chart').getAttribute('data-points')).toBe(String(pausedAt));

    await byTestId('train').click();
    await expect.poll(status, { timeout: 170_000, interval: 500 }).toBe('Trained 30 steps.');
    expect(await byTestId('step').textContent()).toBe('30');
    expect(await byTestId('loss-chart').getAttribute('data-points')).toBe('30');
    expect(await byTestId('accuracy-chart').getAttribute('data-points')).toBe('1');
    // After 30 steps of 32 images the network is far above chance (10%) on the validation images.
    expect(Number.parseFloat((await byTestId('accuracy').textContent()) ?? '')).toBeGreaterThan(30);
    expect(Number.parseFloat((await byTestId('ms-per-step').textContent()) ?? '')).toBeGreaterThan(0);
    expect(Number.parseFloat((await byTestId('loss').textContent()) ?? '')).toBeLessThan(2.3);
    expect(await byTestId('memory').textContent()).toMatch(/^\d+ tensors, \d+ storages; [\d.]+ MB in \d+ GPU buffers$/);
    expect(await byTestId('backend').inputValue()).toBe('webgpu');
  });

  it('gives ten probabilities that sum to 1 for a digit drawn on the pad', async () => {
    const pad = byTestId('digit-pad');
    await pad.scrollIntoViewIfNeeded();
    const box = await pad.boundingBox();
    if (box === null) throw new Error('the digit pad is not visible');
    // A 0: one stroke round an ellipse.
    const at = (turn: number) => [box.x + 140 + 70 * Math.sin(2 * Math.PI * turn), box.y + 140 - 100 * Math.cos(2 * Math.PI * turn)] as const;
    await page.mouse.move(...at(0));
    await page.mouse.down();
    for (let i = 1; i <= 40; i++) await page.mouse.move(...at(i / 40), { steps: 2 });
    await page.mouse.up();
    // The probabilities of the whole drawing, not of a part of the stroke.
    await page.locator('[data-testid="probabilities"][aria-busy="false"]').waitFor({ timeout: 60_000 });
    const rows = byTestId('probabilities').locator('li[data-probability]');
    const probabilities = (await rows.evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-probability'))))) as number[];
    expect(probabilities).toHaveLength(10);
    for (const probability of probabilities) expect(probability).toBeGreaterThanOrEqual(0);
    expect(probabilities.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 4);
    if (screenshotPath !== undefined) {
      // Written beside the target and renamed, as the trainer writes its outputs.
      const target = resolve(screenshotPath);
      const temporary = `${target}.tmp-${process.pid}.png`;
      await page.screenshot({ path: temporary, fullPage: true });
      renameSync(temporary, target);
    }
  });

  it('downloads the weights as safetensors with the trainer’s keys and shapes', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), byTestId('download-weights').click()]);
    const saved = join(workDir, 'page.safetensors');
    await download.saveAs(saved);
    expect(download.suggestedFilename()).toBe('kindling-mlp-step30.safetensors');
    expect(safetensorsShapes(readFileSync(saved))).toEqual(safetensorsShapes(readFileSync(trainerWeights)));
  });

  it('loads weights written by kindling-train --save and shows their test accuracy', async () => {
    await byTestId('test-size').fill(String(TEST_IMAGES));
    await byTestId('load-weights').setInputFiles(trainerWeights);
    const shown = page.locator('[data-testid="test-accuracy"][data-accuracy]');
    await shown.waitFor({ timeout: 120_000 });
    expect(await shown.textContent()).toMatch(/^\d+\.\d\d% on the first 500 test images$/);
    const inPage = Number(await shown.getAttribute('data-accuracy'));
    // The same weights and images on the cpu backend: at most one image may fall the other way.
    expect(Math.abs(inPage - (await accuracyInNode(trainerWeights, TEST_IMAGES)))).toBeLessThanOrEqual(100 / TEST_IMAGES);
    expect(inPage).toBeGreaterThan(50);
    expect(await byTestId('model').inputValue()).toBe('mlp');
    expect(pageErrors).toEqual([]);
  });
});
