import { BatchNorm2d, Conv2d, Flatten, GELU, LayerNorm, Linear, MaxPool2d, ReLU, Sequential, AvgPool2d, type Module } from '@kindling/nn';
import { manualSeed, randn, type Tensor } from '@kindling/tensor';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/index.js';

// One thread: the WebAssembly build then needs no worker threads in Node.
ort.env.wasm.numThreads = 1;

/** Runs an exported model in ONNX Runtime (WebAssembly) on `input` and gives its first output. */
export async function runInOnnxRuntime(bytes: Uint8Array, input: Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds = { [session.inputNames[0] as string]: new ort.Tensor('float32', input.dataSync() as Float32Array, [...input.shape]) };
  const results = await session.run(feeds);
  return (results[session.outputNames[0] as string] as ort.Tensor).data as Float32Array;
}

describe('ONNX Runtime runs what exportOnnx writes', () => {
  it('a CNN with convolution, batch norm, pooling, layer norm and GELU gives Kindling outputs', async () => {
    manualSeed(4);
    const model = new Sequential(
      new Conv2d(1, 4, 3, { padding: 1, paddingMode: 'reflect' }),
      new BatchNorm2d(4),
      new ReLU(),
      new MaxPool2d(2, { ceilMode: true }),
      new AvgPool2d(2, { padding: 1 }),
      new Flatten(),
      new Linear(4 * 3 * 3, 8),
      new LayerNorm(8),
      new GELU(),
    ) as Module;
    model.eval();
    const x = randn([2, 1, 9, 9]);
    const expected = (model.forward(x as never) as { data: Tensor }).data.dataSync();
    const actual = await runInOnnxRuntime(exportOnnx(model, x), x);
    expect(actual.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) expect(Math.abs((actual[i] as number) - (expected[i] as number))).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected[i] as number)));
  });
});
