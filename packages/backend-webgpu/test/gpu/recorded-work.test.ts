import { compile } from '@kindling/autograd';
import { functional as F, Linear } from '@kindling/nn';
import { Adam } from '@kindling/optim';
import { cat, findBackend, manualSeed, randint, randn, setBackend, tensor, type Tensor } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWebGpuBackend, type WebGpuBackend } from '../../src/index.js';

registerWebGpuBackend();

/*
 * The memory and submissions of a step whose dispatches webgpu recorded (compile()): a replay
 * creates no buffer and is one submission, reset() gives the recording's buffers back, and a
 * recorded copy reads the input each replay loads.
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

  it("replays a cat's copies from the recording's own copy of the step's input", async () => {
    const constant = tensor([100, 200], { device: 'webgpu' }).keep();
    // The input itself is a copy's source: a replay that copied from the buffer it was recorded
    // with would return the second call's values again.
    const step = compile((x: Tensor) => cat([x, x.mul(2), constant]));
    const expected = (x: number[]): number[] => [...x, ...x.map((v) => v * 2), 100, 200];
    const calls = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, 0, 1], [10, 20, 30]];
    for (const [i, values] of calls.entries()) {
      const before = backend.stats().copies;
      const result = await step(tensor(values, { device: 'webgpu' }));
      // Three copies each call, run as written or replayed; a replay's input load is not one.
      expect(backend.stats().copies - before).toBe(3);
      expect(Array.from(await result.data()), `call ${i}`).toEqual(expected(values));
    }
    expect(step.stats().replays).toBe(3);
    expect(step.stats().replaysDeviceWork).toBe(true);
    step.reset();
  });
});
