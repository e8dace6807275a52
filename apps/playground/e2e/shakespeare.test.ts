import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CharTokenizer, tinyShakespeare } from '@kindling/data-text';
import { GPT } from '@kindling/models';
import { serialize } from '@kindling/nn';
import { manualSeed, setBackend, zerosLike, type Tensor } from '@kindling/tensor';
import { chromium, type Browser, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../test-support/chromium.js';
import { GptSession } from '../src/shakespeare/gpt-session.js';
import { MODEL_SIZES } from '../src/shakespeare/recipe.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
/** Where `pnpm --filter @kindling/playground screenshot` asks for the picture of the page after training. */
const screenshotPath = process.env['KINDLING_SHAKESPEARE_SCREENSHOT'];
const workDir = mkdtempSync(join(tmpdir(), 'kindling-shakespeare-'));
/** A small GPT for the corpus's 65 characters, as a `kindling-train --model gpt --save` checkpoint holds it. */
const checkpointConfig = { blockSize: 16, vocabSize: 65, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: false };
const checkpointPath = join(workDir, 'gpt.safetensors');
/** The same model for a vocabulary of letters only, which cannot read the corpus. */
const lettersPath = join(workDir, 'letters.safetensors');
let corpusTokenizer: CharTokenizer;
let server: PreviewServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const status = () => byTestId('status').textContent();
const number = async (id: string) => Number.parseFloat((await byTestId(id).textContent()) ?? '');

/**
 * A GPT checkpoint written with Kindling in Node in the layout of `kindling-train --model gpt
 * --save`: nanoGPT's state-dict keys, an AdamW moment under `optimizer.*` (which the page leaves),
 * and the run's state as JSON in the `kindling.gpt` metadata.
 */
async function writeCheckpoint(path: string, tokenizer: CharTokenizer): Promise<void> {
  manualSeed(7);
  const model = new GPT({ ...checkpointConfig, vocabSize: tokenizer.vocabSize });
  const weights = model.stateDict();
  const run = { iteration: 500, bestValLoss: null, config: model.config, meta: tokenizer.toJSON() };
  const tensors = { ...weights, 'optimizer.0.expAvg': zerosLike(weights['lm_head.weight'] as Tensor) };
  writeFileSync(path, await serialize(tensors, { format: 'pt', 'kindling.gpt': JSON.stringify(run) }));
}

/** Every character of `text` is one of the corpus's. */
function inCorpusAlphabet(text: string): boolean {
  const alphabet = new Set(corpusTokenizer.itos);
  return Array.from(text).every((character) => alphabet.has(character));
}

beforeAll(async () => {
  if (!existsSync(join(appDir, 'dist', 'shakespeare.html'))) {
    throw new Error(`${join(appDir, 'dist')} has no shakespeare.html: build the app first (pnpm --filter @kindling/playground build; pnpm test builds it)`);
  }
  await setBackend('cpu');
  corpusTokenizer = CharTokenizer.fromText(await tinyShakespeare());
  await writeCheckpoint(checkpointPath, corpusTokenizer);
  await writeCheckpoint(lettersPath, CharTokenizer.fromText('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'));
  server = await preview({ root: appDir, logLevel: 'silent', preview: { host: '127.0.0.1', port: 0, strictPort: true } });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error('vite preview gave no local URL');
  await page.goto(`${url}shakespeare.html`);
  await byTestId('status').filter({ hasText: /^(Ready|The page could not start)/ }).waitFor({ timeout: 60_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('the Shakespeare page in Chromium', () => {
  it('starts on webgpu with the corpus from its own origin, split 90/10, and links to the MNIST page', async () => {
    expect(await status()).toBe('Ready on webgpu: tiny Shakespeare read (1115394 characters, 65 distinct; 1003854 for training, 111540 for validation; checksum checked).');
    expect(await byTestId('backend').inputValue()).toBe('webgpu');
    expect(await byTestId('size').inputValue()).toBe('char-cpu');
    expect(await byTestId('model-info').textContent()).toMatch(/^4 layers, 4 heads, 128 wide, context 64, dropout 0: 0\.80M parameters; 65 characters; batches of 12\.$/);
    expect(await byTestId('mnist-link').getAttribute('href')).toBe('./index.html');
  });

  it('refuses a checkpoint whose vocabulary cannot read the corpus, keeping the model it has', async () => {
    await byTestId('load-weights').setInputFiles(lettersPath);
    await expect.poll(status, { timeout: 30_000 }).toMatch(
      /^Could not load letters\.safetensors: letters\.safetensors is not a GPT checkpoint for this corpus: its vocabulary of 52 characters lacks 13 of the corpus's/,
    );
    expect(await byTestId('model-info').textContent()).toMatch(/^4 layers, 4 heads, 128 wide/);
    expect(await byTestId('generate').isEnabled()).toBe(true);
  });

  it('loads a kindling-train checkpoint on webgpu, with the val loss Node measures for it, and continues a prompt', async () => {
    await byTestId('size').selectOption('tiny');
    await expect.poll(() => byTestId('model-info').textContent()).toMatch(/^2 layers, 2 heads, 32 wide, context 32/);
    await byTestId('load-weights').setInputFiles(checkpointPath);
    await expect.poll(status, { timeout: 60_000 }).toMatch(/^Loaded gpt\.safetensors \(step 500\): val loss \d\.\d{4}\.$/);
    expect(await byTestId('model-info').textContent()).toMatch(/^1 layers, 2 heads, 16 wide, context 16, dropout 0: 0\.\d\dM parameters; 65 characters; batches of 8\.$/);
    expect(await byTestId('step').textContent()).toBe('500');
    // The same weights and batches on Node's cpu backend (batches of 8, as the tiny size the page has selected).
    const { batchSize, evalIters } = MODEL_SIZES.tiny;
    const inNode = GptSession.fromCheckpoint(readFileSync(checkpointPath), 'gpt.safetensors', { text: await tinyShakespeare(), tokenizer: corpusTokenizer }, batchSize, evalIters);
    const { val } = await inNode.estimateLoss();
    inNode.dispose();
    expect(Math.abs((await number('val-loss')) - val)).toBeLessThan(1e-3);

    await byTestId('prompt').fill('ROMEO:');
    await byTestId('generate-length').fill('30');
    await byTestId('temperature').fill('0.8');
    await byTestId('top-k').fill('10');
    await byTestId('generate').click();
    await expect.poll(status, { timeout: 30_000 }).toBe('Wrote 30 characters at step 500.');
    const written = (await byTestId('generated').textContent()) ?? '';
    expect(written.startsWith('ROMEO:')).toBe(true);
    expect(Array.from(written)).toHaveLength(6 + 30);
    expect(inCorpusAlphabet(written)).toBe(true);
  });

  it('trains the tiny model on webgpu, with a sample after the last step', async () => {
    await byTestId('reset').click();
    await expect.poll(status).toBe('Reset: a fresh model.');
    for (const [id, value] of [['steps', '2'], ['lr', '0.01'], ['warmup', '1'], ['eval-every', '100'], ['sample-every', '100'], ['sample-length', '10']] as const) {
      await byTestId(id).fill(value);
    }
    await byTestId('train').click();
    await expect.poll(status, { timeout: 60_000, interval: 500 }).toBe('Trained 2 steps.');
    expect(await byTestId('loss-chart').getAttribute('data-points')).toBe('2');
    expect(await number('loss')).toBeGreaterThan(3.5);
    expect(await number('val-loss')).toBeLessThan(4.5);
    expect(await byTestId('sample').getAttribute('data-step')).toBe('2');
    expect(Array.from((await byTestId('sample').textContent()) ?? '')).toHaveLength(10);
  });

  it('trains 40 steps on cpu with the loss going down, pausing on the way, and writes samples of the asked length', async () => {
    // SwiftShader runs WebGPU on the CPU, seconds per step of even the tiny model on a busy machine:
    // the longer run goes on the page's cpu backend, which takes a fraction of a second per step.
    await byTestId('backend').selectOption('cpu');
    await expect.poll(status, { timeout: 30_000 }).toBe('Backend cpu: a fresh model.');
    for (const [id, value] of [['steps', '1'], ['warmup', '4'], ['eval-every', '20'], ['sample-every', '30'], ['sample-length', '60']] as const) {
      await byTestId(id).fill(value);
    }
    // One step first, for the loss of the fresh model (about ln(65) = 4.17); then on to 40.
    await byTestId('train').click();
    await expect.poll(status, { timeout: 30_000 }).toBe('Trained 1 steps.');
    const firstLoss = await number('loss');
    await byTestId('steps').fill('40');
    await byTestId('train').click();
    await expect.poll(() => number('step'), { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(3);
    await byTestId('pause').click();
    await expect.poll(status, { timeout: 30_000 }).toMatch(/^Paused at step \d+\.$/);
    const pausedAt = await number('step');
    expect(pausedAt).toBeLessThan(40);
    expect(await byTestId('loss-chart').getAttribute('data-points')).toBe(String(pausedAt));

    await byTestId('train').click();
    await expect.poll(status, { timeout: 60_000, interval: 500 }).toBe('Trained 40 steps.');
    expect(await byTestId('loss-chart').getAttribute('data-points')).toBe('40');
    expect(firstLoss).toBeGreaterThan(3.9);
    expect(await number('loss')).toBeLessThan(firstLoss - 0.5);
    expect(await number('val-loss')).toBeLessThan(Math.log(65) - 0.5);
    expect(await byTestId('val-loss').getAttribute('title')).toMatch(/^train \d\.\d{4}, val \d\.\d{4} at step 40$/);
    expect(await byTestId('sample').getAttribute('data-step')).toBe('40');
    const sample = (await byTestId('sample').textContent()) ?? '';
    expect(Array.from(sample)).toHaveLength(60);
    expect(inCorpusAlphabet(sample)).toBe(true);

    await byTestId('generate-length').fill('40');
    await byTestId('generate').click();
    await expect.poll(status, { timeout: 30_000 }).toBe('Wrote 40 characters at step 40.');
    expect(Array.from((await byTestId('generated').textContent()) ?? '')).toHaveLength(6 + 40);
    expect(pageErrors).toEqual([]);
    if (screenshotPath !== undefined) {
      // Written beside the target and renamed, as the MNIST page's test writes its picture.
      const target = resolve(screenshotPath);
      const temporary = `${target}.tmp-${process.pid}.png`;
      await page.screenshot({ path: temporary, fullPage: true });
      renameSync(temporary, target);
    }
  });
});
