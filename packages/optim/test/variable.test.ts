import { Variable } from '@kindling/autograd';
import { tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { Adam, SGD } from '../src/index.js';
import { expectClose } from './helpers.js';

// optim accepts any OptimizableParameter; these tests pin down that autograd's Variable is one and
// that the usual loop (backward, step, zeroGrad) reads and clears the gradients backward() leaves.
describe('with autograd Variables', () => {
  it('runs the training loop: SGD on sum(w * w) shrinks w by 1 - 2 * lr per step', async () => {
    const w = new Variable(tensor([1, -2, 4]), { requiresGrad: true });
    const optimizer = new SGD([w], { lr: 0.1 });
    for (let i = 0; i < 3; i++) {
      w.mul(w).sum().backward();
      await optimizer.step();
      optimizer.zeroGrad();
      expect(w.grad).toBeNull();
    }
    expectClose(await w.data.data(), [1, -2, 4].map((v) => v * 0.8 ** 3), 'w after three steps');
  });

  it('accumulates into zero-filled gradients after zeroGrad({ setToNone: false })', async () => {
    const w = new Variable(tensor([3]), { requiresGrad: true });
    const optimizer = new SGD([w], { lr: 0.25 });
    w.mul(2).sum().backward();
    await optimizer.step(); // w = 3 - 0.25 * 2
    optimizer.zeroGrad({ setToNone: false });
    expect(Array.from((await w.grad?.data()) ?? [])).toEqual([0]);
    w.mul(2).sum().backward();
    expect(Array.from((await w.grad?.data()) ?? [])).toEqual([2]); // not 4: the old gradient was cleared
    await optimizer.step();
    expectClose(await w.data.data(), [2], 'w after two steps');
  });

  it('fits a least-squares line with Adam, leaving parameters without gradients alone', async () => {
    const x = new Variable(tensor([[0], [1], [2], [3]]));
    const y = new Variable(tensor([[1], [3], [5], [7]])); // y = 2x + 1
    const weight = new Variable(tensor([[0]]), { requiresGrad: true });
    const bias = new Variable(tensor([0]), { requiresGrad: true });
    const frozen = new Variable(tensor([5]), { requiresGrad: true });
    const optimizer = new Adam([weight, bias, frozen], { lr: 0.1 });
    for (let i = 0; i < 300; i++) {
      x.matmul(weight).add(bias).sub(y).pow(2).mean().backward();
      await optimizer.step();
      optimizer.zeroGrad();
    }
    expectClose(await weight.data.data(), [2], 'weight', 0, 0.05);
    expectClose(await bias.data.data(), [1], 'bias', 0, 0.1);
    expect(Array.from(await frozen.data.data())).toEqual([5]);
    expect(optimizer.state.has(frozen)).toBe(false);
  });
});
