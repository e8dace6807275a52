import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Module } from '@kindling/nn';
import { exportOnnx, importOnnx } from '@kindling/onnx';
import { manualSeed, randn, setBackend, type Tensor } from '@kindling/tensor';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConvNet, Net } from '@kindling/models';
import { parseCli } from '../src/options.js';
import { train } from '../src/train.js';
import { writeShortMnist } from './short-mnist.js';

// ONNX Runtime's WebAssembly build, on one thread so that it needs no worker threads in Node.
ort.env.wasm.numThreads = 1;

async function onnxRuntimeOutput(bytes: Uint8Array, input: Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const results = await session.run({ images: new ort.Tensor('float32', input.dataSync() as Float32Array, [...input.shape]) });
  return (results[session.outputNames[0] as string] as ort.Tensor).data as Float32Array;
}

function expectRelativelyClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    expect(Math.abs((actual[i] as number) - e), `element ${i}`).toBeLessThanOrEqual(rtol * Math.abs(e) + 1e-6);
  }
}

const dynamicBatch = (output: string) => ({ inputNames: ['images'], outputNames: [output], dynamicAxes: { images: { 0: 'batch' }, [output]: { 0: 'batch' } } });

describe('the tutorial networks exported to ONNX', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it.each([
    ['the MLP (net.ts)', () => new Net(), [784], 'logits'],
    ['the CNN (cnn.ts)', () => new ConvNet(), [1, 28, 28], 'log_probs'],
  ] as const)('%s runs in ONNX Runtime with Kindling logits (1e-5 relative), at a batch size other than the sample one', async (_, make, shape, output) => {
    manualSeed(7);
    const net: Module = make().eval();
    const bytes = exportOnnx(net, randn([1, ...shape]), dynamicBatch(output));
    const images = randn([5, ...shape]);
    const expected = (net.forward(images as never) as { data: Tensor }).data.dataSync();
    expectRelativelyClose(await onnxRuntimeOutput(bytes, images), expected, 1e-5);
    expectRelativelyClose(importOnnx(bytes).forward(images).data.dataSync(), expected, 1e-5);
  });

  describe('kindling-train --export-onnx', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kindling-onnx-export-'));

    beforeAll(() => writeShortMnist(dir, { train: 5200, test: 200 }));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('parses the flag', () => {
      expect(parseCli(['--export-onnx', 'mnist.onnx']).exportOnnx).toBe('mnist.onnx');
      expect(parseCli(['--model', 'cnn', '--export-onnx', 'mnist.onnx']).exportOnnx).toBe('mnist.onnx');
    });

    it('writes the trained MLP, which ONNX Runtime runs', async () => {
      const path = join(dir, 'mnist.onnx');
      const result = await train({ iters: 3, batchSize: 32, lr: 0.01, optimizer: 'adam', seed: 1, logEvery: 3, dataDir: dir, verifyData: false, exportOnnx: path });
      expect(result.exported).toEqual({ path });
      const bytes = readFileSync(path);
      const images = randn([2, 784]);
      const logits = await onnxRuntimeOutput(bytes, images);
      expect(logits.length).toBe(20);
      expectRelativelyClose(logits, importOnnx(bytes).forward(images).data.dataSync(), 1e-5);
    }, 120_000);
  });
});
