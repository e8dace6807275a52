import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noGrad } from '@kindling/autograd';
import { GPT } from '@kindling/models';
import { exportOnnx } from '@kindling/onnx';
import { fromValues, manualSeed, setBackend, zeros } from '@kindling/tensor';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportGptOnnx, GptLogits } from '../src/gpt-export.js';

ort.env.wasm.numThreads = 1;
const workDir = mkdtempSync(join(tmpdir(), 'kindling-gpt-onnx-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('--export-onnx with --model gpt', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it("writes idx [batch, blockSize] → logits at every position, which ONNX Runtime runs to Kindling's logits", async () => {
    manualSeed(3);
    const model = new GPT({ vocabSize: 65, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true });
    const path = join(workDir, 'gpt.onnx');
    await exportGptOnnx(model, path);
    const session = await ort.InferenceSession.create(readFileSync(path));
    expect([session.inputNames, session.outputNames]).toEqual([['idx'], ['logits']]);
    // Batch 3, not the traced 1.
    const ids = Int32Array.from({ length: 3 * 8 }, (_, i) => (i * 7) % 65);
    const { logits } = await session.run({ idx: new ort.Tensor('int32', ids, [3, 8]) });
    expect(logits?.dims).toEqual([3, 8, 65]);
    model.eval();
    const expected = noGrad(() => model.lm_head.forward(model.transformer.forward(fromValues(ids, [3, 8]))).data.dataSync());
    const actual = logits?.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
    expect(worst).toBeLessThan(1e-4);
  }, 60_000);

  it('refuses a dynamic time dim, which the traced positions and causal mask fix at the sample length', () => {
    manualSeed(4);
    const model = new GPT({ vocabSize: 65, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: true });
    const sample = zeros([1, 8], { dtype: 'int32' });
    const dynamicAxes = { idx: { 0: 'batch', 1: 'time' }, logits: { 0: 'batch', 1: 'time' } };
    expect(() => exportOnnx(new GptLogits(model), sample, { inputNames: ['idx'], outputNames: ['logits'], dynamicAxes })).toThrow(
      /dynamicAxes names dim 1 of input 'idx' \('time'\) dynamic, but the traced graph of GptLogits holds its extent 8 as a constant: at extent 7/,
    );
  }, 60_000);
});
