import { compile } from '@kindling/autograd';
import { functional as F, Linear } from '@kindling/nn';
import { Adam } from '@kindling/optim';
import { findBackend, manualSeed, randint, randn, setBackend, type Tensor } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWebGpuBackend, type WebGpuBackend } from '../../src/index.js';

registerWebGpuBackend();

/*
 * The memory and submissions of a step whose dispatches webgpu recorded (compile()): a replay
 * creates no buffer and is one submission, and reset() gives the recording's buffers back.
 */
describe("webgpu's recorded steps", () => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    await setBackend('webgpu');
    backend = findBackend('webgpu') as WebGpuBackend;
  });

  it('replays in one submission with no new buffer, and reset() returns the pinned buffers to the pool', async () => {
    manualSeed(0);
    const model = new Linear(16, 4);
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const step = compile(async (input: Tensor, target: Tensor) => {
      optimizer.zeroGrad();
      const loss = F.crossEntropy(model.forward(input), target);
      loss.backward();
      await optimizer.step();
      return loss;
    });
    const input = randn([8, 16]).keep();
    const target = randint(0, 4, [8]).keep();
    for (let i = 0; i < 3; i++) await (await step(input, target)).item();
    expect(step.stats().replaysDeviceWork).toBe(true);
    const before = backend.stats();
    for (let i = 0; i < 5; i++) await (await step(input, target)).item();
    const after = backend.stats();
    expect(after.buffers.created).toBe(before.buffers.created);
    // Each replay submits once in flush(), and the read of its loss submits the copy behind it.
    expect(after.submissions - before.submissions).toBeLessThanOrEqual(10);
    const inUse = after.buffers.inUse;
    step.reset();
    expect(backend.stats().buffers.inUse).toBeLessThan(inUse);
  });
});
