import { CharTokenizer } from '@kindling/data-text/browser';
import { tinyShakespeare } from '@kindling/data-text';
import { setBackend } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { GptSession, type Corpus, type GptTrainListener } from '../src/shakespeare/gpt-session.js';
import { learningRateAt, MODEL_SIZES } from '../src/shakespeare/recipe.js';

let corpus: Corpus;

beforeAll(async () => {
  await setBackend('cpu');
  const text = await tinyShakespeare();
  corpus = { text, tokenizer: CharTokenizer.fromText(text) };
});

describe("nanoGPT's learning-rate schedule", () => {
  const schedule = { lr: 1e-3, minLr: 1e-4, warmupSteps: 100, decaySteps: 2000 };

  it('warms up linearly, decays by a cosine to minLr, and stays there', () => {
    expect(learningRateAt(0, schedule)).toBeCloseTo(1e-3 / 101, 12);
    expect(learningRateAt(99, schedule)).toBeCloseTo((1e-3 * 100) / 101, 12);
    expect(learningRateAt(100, schedule)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(1050, schedule)).toBeCloseTo(5.5e-4, 12);
    expect(learningRateAt(2000, schedule)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(5000, schedule)).toBe(1e-4);
  });

  it('goes straight to minLr when the run is no longer than its warmup', () => {
    expect(learningRateAt(10, { ...schedule, warmupSteps: 10, decaySteps: 10 })).toBe(1e-4);
  });
});

describe('a Shakespeare session on cpu', () => {
  it("splits the corpus 90/10 and starts near ln(vocabulary) loss", async () => {
    const session = GptSession.create(MODEL_SIZES.tiny, corpus);
    expect(corpus.tokenizer.vocabSize).toBe(65);
    const { train, val } = await session.estimateLoss();
    expect(train).toBeGreaterThan(Math.log(65) - 0.2);
    expect(val).toBeLessThan(Math.log(65) + 0.2);
    session.dispose();
  });

  it('lowers the loss over 30 steps, reporting each step, the losses and samples as asked', { timeout: 60_000 }, async () => {
    const session = GptSession.create(MODEL_SIZES.tiny, corpus);
    const steps: number[] = [];
    const evals: number[] = [];
    const samples: string[] = [];
    const listener: GptTrainListener = {
      onStep: ({ loss, measured }) => {
        steps.push(loss);
        if (measured) evals.push(measured.val);
      },
      onSample: ({ text }) => samples.push(text),
    };
    await session.train(() => ({ steps: 30, lr: 1e-2, warmupSteps: 3, evalEvery: 15, sampleEvery: 20, sampleLength: 25 }), listener);
    expect(steps).toHaveLength(30);
    expect(evals).toHaveLength(2);
    expect((evals[1] as number) < (evals[0] as number) && (evals[0] as number) < Math.log(65)).toBe(true);
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean(steps.slice(-5))).toBeLessThan(mean(steps.slice(0, 5)) - 0.5);
    // A sample at step 20 and one after the last step, each of the asked length, in the corpus's characters.
    expect(samples.map((text) => Array.from(text).length)).toEqual([25, 25]);
    for (const text of samples) expect(() => corpus.tokenizer.encode(text)).not.toThrow();
    session.dispose();
  });

  it('stops after the step in flight when paused, and carries on from there', { timeout: 30_000 }, async () => {
    const session = GptSession.create(MODEL_SIZES.tiny, corpus);
    const settings = () => ({ steps: 6, lr: 1e-3, warmupSteps: 2, evalEvery: 100, sampleEvery: 100, sampleLength: 5 });
    const listener: GptTrainListener = { onStep: ({ step }) => void (step === 2 && session.pause()), onSample: () => undefined };
    await session.train(settings, listener);
    expect(session.step).toBe(2);
    expect(session.running).toBe(false);
    await session.train(settings, { ...listener, onStep: () => undefined });
    expect(session.step).toBe(6);
    session.dispose();
  });

  it('continues a prompt with characters of its vocabulary, and refuses one outside it', async () => {
    const session = GptSession.create(MODEL_SIZES.tiny, corpus);
    const text = await session.sample('ROMEO:', 12, { temperature: 0.8, topK: 5 });
    expect(Array.from(text)).toHaveLength(12);
    await expect(session.sample('ROMEO€', 5)).rejects.toThrow('CharTokenizer.encode: "€" at position 5 is not in the vocabulary of 65 characters');
    await expect(session.sample('', 5)).rejects.toThrow('the prompt is empty');
    session.dispose();
  });
});
