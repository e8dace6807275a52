import { Variable } from '@kindling/autograd';
import { DeviceDataset } from '@kindling/data';
import { Conv2d, Dropout, functional as F, Linear, Module, type Input } from '@kindling/nn';
import { Adam } from '@kindling/optim';
import { Generator, manualSeed, randn, tensor, tidy } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWebGpuBackend, type WebGpuBackend } from '../../src/index.js';
import { useWebGpu } from './use-webgpu.js';

registerWebGpuBackend();

/** The tutorial's network shape, scaled down so 200 steps fit SwiftShader's speed. */
class Net extends Module {
  inToHl1 = new Linear(16, 32);
  hl1ToHl2 = new Linear(32, 32);
  hl2ToOut = new Linear(32, 4);

  forward(x: Input) {
    const hidden1 = F.relu(this.inToHl1.forward(x));
    const hidden2 = F.relu(this.hl1ToHl2.forward(hidden1));
    return this.hl2ToOut.forward(hidden2);
  }
}

/** 512 examples of 16 features whose label is the index of the largest of the first four. */
function syntheticData(): { images: Float32Array; labels: Int32Array } {
  const generator = new Generator(7);
  const images = Float32Array.from({ length: 512 * 16 }, () => generator.uniform24() * 2 - 1);
  const labels = Int32Array.from({ length: 512 }, (_, i) => {
    const row = images.subarray(i * 16, i * 16 + 4);
    return row.indexOf(Math.max(...row));
  });
  return { images, labels };
}

describe('training on webgpu', () => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    backend = await useWebGpu();
  });

  it('keeps live buffers flat from step 10 to step 200, with a few submissions and no pixel uploads per step', async () => {
    manualSeed(0);
    const { images, labels } = syntheticData();
    const data = DeviceDataset.upload(images, labels, [16], 'webgpu');
    const net = new Net();
    const optimizer = new Adam(net.parameters(), { lr: 0.01 });
    const sampler = new Generator(3);
    const batchSize = 32;
    const checkpoints = new Map<number, { live: number; buffers: number }>();
    const submissions: number[] = [];
    const uploadedBytes: number[] = [];
    let firstLoss = Number.NaN;
    let lastLoss = Number.NaN;

    for (let step = 1; step <= 200; step++) {
      const before = backend.stats();
      const indices = Int32Array.from({ length: batchSize }, () => sampler.integer(0, 512));
      const batch = data.batch(indices);
      const loss = tidy(() => {
        const output = F.crossEntropy(net.forward(batch.images), batch.labels);
        output.backward();
        return output.data;
      });
      await optimizer.step();
      optimizer.zeroGrad();
      if (step === 1) firstLoss = Number(await loss.item());
      if (step === 200) lastLoss = Number(await loss.item());
      for (const t of [loss, batch.images, batch.labels]) t.dispose();
      const after = backend.stats();
      // Steps 1 and 200 also read the loss, which submits once more.
      if (step !== 1 && step !== 200) submissions.push(after.submissions - before.submissions);
      uploadedBytes.push(after.uploadedBytes - before.uploadedBytes);
      if (step === 10 || step === 200) checkpoints.set(step, { live: backend.liveStorageCount(), buffers: after.buffers.created });
    }

    expect(checkpoints.get(200)).toEqual(checkpoints.get(10));
    // Only the batch's int32 indices cross the bus each step; the examples were uploaded once.
    expect(Math.max(...uploadedBytes)).toBe(batchSize * 4);
    // The whole step (forward, backward, Adam) is a handful of submissions, not one per kernel.
    expect(Math.max(...submissions)).toBeLessThanOrEqual(4);
    expect(lastLoss).toBeLessThan(firstLoss * 0.5);
    optimizer.dispose();
    data.dispose();
  }, 300_000);

  it('runs a cnn training step with dropout with nothing uploaded: masks are drawn on the device', async () => {
    manualSeed(1);
    const net = new (class extends Module {
      conv = new Conv2d(1, 4, 3);
      dropout = new Dropout(0.5);
      out = new Linear(4 * 10 * 10, 10);
      forward(x: Input) {
        return F.logSoftmax(this.out.forward(this.dropout.forward(F.relu(this.conv.forward(x))).flatten(1)), 1);
      }
    })();
    const optimizer = new Adam(net.parameters());
    const images = randn([2, 1, 12, 12]);
    const labels = tensor([3, 7], { dtype: 'int32' });
    for (let step = 0; step < 3; step++) {
      const before = backend.stats().uploads;
      const loss = F.nllLoss(net.forward(images), labels);
      optimizer.zeroGrad();
      loss.backward();
      await optimizer.step();
      expect(backend.stats().uploads - before).toBe(0);
    }
  });

  it('differentiates slices, narrows and selects with nothing uploaded: the gradient is written into a window of zeros', async () => {
    const x = new Variable(randn([4, 6]), { requiresGrad: true });
    const loss = x.narrow(1, 1, 3).sum().add(x.slice(0, 0, 4, 2).sum()).add(x.select(1, 5).sum());
    const before = backend.stats();
    loss.backward();
    await x.grad?.data();
    expect(backend.stats().uploads).toBe(before.uploads);
  });
});
