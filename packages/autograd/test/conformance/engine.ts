import { dispose, KERNEL_NAMES, memory, onesLike, tensor, tidy } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { GRADIENTS, isGradEnabled, noGrad, reduceToShape, Variable } from '../../src/index.js';
import { expectGrad, floatDType, values } from './helpers.js';

/** The graph machinery: accumulation, zeroing, detach, noGrad, retainGrad, what backward visits. */
export function describeEngine(device: string): void {
  const leaf = (data: number[] | number[][], requiresGrad = true) => new Variable(tensor(data, { dtype: floatDType(device), device }), { requiresGrad });

  describe('graph recording', () => {
    it('computes the README example', async () => {
      const x = new Variable(tensor([[1, -2], [3, 4]], { device }), { requiresGrad: true });
      const w = new Variable(tensor([[0.5], [-1]], { device }), { requiresGrad: true });
      const loss = x.matmul(w).relu().sum();
      loss.backward();
      expect(await values(loss)).toBe(2.5);
      await expectGrad(w, [[1], [-2]]);
      await expectGrad(x, [[0.5, -1], [0, 0]]);
    });

    it('requires grad iff some input does, and names the op in gradFn', async () => {
      const x = leaf([1, 2]);
      const c = leaf([3, 4], false);
      expect(c.add(c).requiresGrad).toBe(false);
      expect(c.add(c).gradFn).toBeNull();
      const y = c.mul(x);
      expect(y.requiresGrad).toBe(true);
      expect(y.gradFn?.name).toBe('mul');
      expect(y.isLeaf).toBe(false);
      expect(x.isLeaf).toBe(true);
      expect([y.shape, y.dtype, y.device]).toEqual([[2], floatDType(device), device]);
    });

    it('gives integer and bool results no gradient', async () => {
      const x = leaf([1.5, -2]);
      expect(x.int().requiresGrad).toBe(false);
      expect(x.gt(0).dtype).toBe('bool');
      expect(x.argmax().dtype).toBe('int32');
      expect(x.max(0).indices.dtype).toBe('int32');
    });

    it('accumulates through a diamond (a Variable used twice)', async () => {
      const x = leaf([1, 2, 3]);
      x.mul(x).add(x).sum().backward();
      await expectGrad(x, [3, 5, 7]);
    });

    it('accumulates gradients across backward calls until zeroed', async () => {
      const x = leaf([1, 2]);
      x.mul(3).sum().backward();
      x.mul(3).sum().backward();
      await expectGrad(x, [6, 6]);
      x.grad = null;
      x.mul(2).sum().backward();
      await expectGrad(x, [2, 2]);
    });

    it('differentiates a graph twice with retainGraph', async () => {
      const x = leaf([1, 2]);
      const y = x.exp().sum();
      y.backward({ retainGraph: true });
      y.backward();
      await expectGrad(x, [2 * Math.E, 2 * Math.exp(2)]);
    });

    it('keeps non-leaf gradients only with retainGrad', async () => {
      const x = leaf([1, 2]);
      const h = x.mul(2);
      const kept = x.mul(3).retainGrad();
      h.add(kept).sum().backward();
      expect(h.grad).toBeNull();
      await expectGrad(kept, [1, 1]);
      await expectGrad(x, [5, 5]);
    });

    it('backpropagates a given gradient through a non-scalar output', async () => {
      const x = leaf([1, 2, 3]);
      x.mul(2).backward(tensor([1, 0, -1], { dtype: x.dtype, device }));
      await expectGrad(x, [2, 0, -2]);
    });

    it('gives each leaf a gradient of its own dtype and a Tensor object of its own', async () => {
      const x = leaf([1, 2]);
      const y = leaf([3, 4]);
      x.float().add(y.float()).sum().backward();
      expect(x.grad?.dtype).toBe(x.dtype);
      expect(x.grad).not.toBe(y.grad);
      x.grad?.dispose();
      await expectGrad(y, [1, 1]);
    });

    it("hands a transposed matmul operand its gradient in the operand's layout, so the leaf's arrives contiguous", async () => {
      // Linear's x · wᵀ: w's gradient is gᵀ · x computed directly, not a transposed product copied at the leaf.
      const x = leaf([[1, 2, 3], [4, 5, 6]]);
      const w = leaf([[1, 0, -1], [2, 1, 0]]);
      const a = leaf([[1, 3], [2, 4]]);
      x.matmul(w.transpose(0, 1)).sum().backward();
      expect(w.grad?.isContiguous()).toBe(true);
      await expectGrad(w, [[5, 7, 9], [5, 7, 9]]);
      await expectGrad(x, [[3, 1, -1], [3, 1, -1]]);
      // The same for a transposed left operand: aᵀ · x.
      a.transpose(0, 1).matmul(x).mul(tensor([[1, 0, 0], [0, 0, 2]], { dtype: floatDType(device), device })).sum().backward();
      expect(a.grad?.isContiguous()).toBe(true);
      await expectGrad(a, [[1, 6], [4, 12]]);
    });

    it('returns the Variable itself for a no-op conversion or contiguous()', async () => {
      const x = leaf([1, 2]);
      expect(x.to(x.dtype)).toBe(x);
      expect(x.to(device)).toBe(x);
      expect(x.contiguous()).toBe(x);
    });

    it('splits the gradient of maximum and minimum evenly at ties', async () => {
      const a = leaf([1, 2, 3]);
      const b = leaf([1, 0, 5]);
      a.maximum(b).sum().backward();
      await expectGrad(a, [0.5, 1, 0]);
      await expectGrad(b, [0.5, 0, 1]);
      const c = leaf([2, 2]);
      c.minimum(c).sum().backward();
      await expectGrad(c, [1, 1]);
    });

    it('shares the gradient of max() and min() evenly between tied extremes', async () => {
      const x = leaf([1, 3, 3, -1]);
      x.max().backward();
      await expectGrad(x, [0, 0.5, 0.5, 0]);
      const y = leaf([[1, 0], [0, 4]]);
      y.min().backward();
      await expectGrad(y, [[0, 0.5], [0.5, 0]]);
    });

    it('sends the gradient of max(dim) to the returned indices', async () => {
      const x = leaf([[1, 5, 5], [7, 0, 2]]);
      const { values: top, indices } = x.max(1);
      top.sum().backward();
      expect(await values(indices)).toEqual([1, 0]);
      await expectGrad(x, [[0, 1, 0], [1, 0, 0]]);
    });
  });

  describe('detach and noGrad', () => {
    it('detach() gives a leaf sharing the data, cut off from the graph', async () => {
      const x = leaf([1, 2]);
      const y = x.mul(2).detach();
      expect([y.isLeaf, y.requiresGrad, y.gradFn]).toEqual([true, false, null]);
      y.mul(x).sum().backward();
      await expectGrad(x, [2, 4]);
    });

    it('noGrad records nothing and restores the mode, even after a throw', async () => {
      const x = leaf([1, 2]);
      const y = noGrad(() => {
        expect(isGradEnabled()).toBe(false);
        return x.mul(2);
      });
      expect([y.requiresGrad, y.gradFn, isGradEnabled()]).toEqual([false, null, true]);
      expect(() =>
        noGrad(() => {
          throw new Error('inside');
        }),
      ).toThrow('inside');
      expect(isGradEnabled()).toBe(true);
      expect(noGrad(() => noGrad(() => 1) + Number(isGradEnabled()))).toBe(1);
    });
  });

  describe('in-place writes and saved tensors', () => {
    it('refuses to differentiate through a saved tensor changed in place since, as PyTorch does', () => {
      const x = leaf([1, 2]);
      const w = leaf([3, 4]);
      const loss = x.mul(w).sum();
      w.data.fill_(0);
      expect(() => loss.backward()).toThrow(/backward: the operand 1 of 'mul' \(shape \[2\]\), which its gradient needs, was changed in place after the op ran/);
    });

    it('lets a write land where no gradient reads it (add saves nothing)', async () => {
      const x = leaf([1, 2]);
      const c = tensor([5, 6], { dtype: floatDType(device), device });
      const loss = x.add(c).sum();
      c.fill_(0);
      loss.backward();
      await expectGrad(x, [1, 1]);
    });

    it('differentiates narrow, slice and select by writing the gradient into a window of zeros', async () => {
      const x = leaf([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
      const y = x.narrow(1, 1, 2).sum().add(x.slice(1, 0, 5, 2).mul(2).sum()).add(x.select(0, 1).mul(3).sum());
      y.backward();
      await expectGrad(x, [[2, 1, 3, 0, 2], [5, 4, 6, 3, 5]]);
    });

    it("fills a leaf's gradient from its windows in one buffer, added to the .grad it had, and a retained intermediate's alike", async () => {
      // A packed parameter (in_proj_weight) read as chunks: disjoint windows, then one overlapping them.
      const w = leaf([[1, 2], [3, 4], [5, 6]]);
      const h = w.mul(1);
      h.retainGrad();
      const pass = (): void => {
        const [a, b, c] = w.chunk(3, 0) as [Variable, Variable, Variable];
        const [p, q] = h.chunk(2, 0) as [Variable, Variable];
        a.mul(2).sum().add(b.mul(3).sum()).add(c.mul(4).sum()).add(w.narrow(0, 1, 2).sum()).add(p.sum()).add(q.mul(5).sum()).backward({ retainGraph: true });
      };
      pass();
      await expectGrad(w, [[3, 3], [5, 5], [10, 10]]);
      await expectGrad(h, [[1, 1], [1, 1], [5, 5]]);
      pass();
      await expectGrad(w, [[6, 6], [10, 10], [20, 20]]);
    });

    it('adds the windows of an intermediate into one gradient, whatever their dims, steps and overlaps', async () => {
      const x = leaf([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
      const h = x.mul(1);
      // Disjoint steps along dim 1 (copied in), then windows that overlap them, cross them, skip
      // through them, and a whole gradient beside them (added).
      let loss = h.select(1, 0).sum();
      for (let t = 1; t < 5; t++) loss = loss.add(h.select(1, t).mul(t + 1).sum());
      loss = loss.add(h.narrow(1, 1, 3).sum()).add(h.select(0, 1).mul(10).sum()).add(h.slice(1, 0, 5, 2).mul(2).sum()).add(h.sum());
      for (let t = 0; t < 5; t++) loss = loss.add(h.select(1, t).mul(100).sum());
      loss.backward();
      const expected = [0, 1].map((i) => [0, 1, 2, 3, 4].map((j) => j + 1 + (j >= 1 && j <= 3 ? 1 : 0) + (i === 1 ? 10 : 0) + (j % 2 === 0 ? 2 : 0) + 1 + 100));
      await expectGrad(x, expected);
    });

    it('keeps memory flat across backward passes that add many windows', async () => {
      const x = leaf([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);
      const pass = (): number => {
        x.grad?.dispose();
        x.grad = null;
        tidy(() => {
          const h = x.mul(2);
          let loss = h.select(0, 0).sum();
          for (let t = 1; t < 4; t++) loss = loss.add(h.select(0, t).mul(t).sum());
          loss.backward();
        });
        return memory().numTensors;
      };
      // The first passes also free what earlier tests' graphs left (outputs go two backward passes later).
      pass();
      const settled = pass();
      expect(pass()).toBe(settled);
      await expectGrad(x, [[2, 2, 2], [2, 2, 2], [4, 4, 4], [6, 6, 6]]);
    });
  });

  describe('which nodes backward visits', () => {
    it('never differentiates a branch that does not lead to the requested inputs', async () => {
      const x = leaf([1, 2]);
      const w = leaf([3, 4]);
      const c = tensor([5, 6], { dtype: floatDType(device), device });
      const loss = x.exp().sum().add(w.mul(c).sum());
      loss.backward({ inputs: [x], retainGraph: true });
      await expectGrad(x, [Math.E, Math.exp(2)]);
      expect(w.grad).toBeNull();
      expect(c.isDisposed).toBe(false);
    });

    it("never frees the caller's gradient argument, which backward() may be given again", async () => {
      const x = leaf([1, 2]);
      const y = x.mul(3);
      const gradient = tensor([1, 10], { dtype: floatDType(device), device });
      y.backward(gradient, { retainGraph: true });
      y.backward(gradient);
      expect(gradient.isDisposed).toBe(false);
      await expectGrad(x, [6, 60]);
    });

    it('differentiates with its own handles of what it saved, whatever the caller disposes', async () => {
      const x = leaf([1, 2]);
      const c = tensor([5, 6], { dtype: floatDType(device), device });
      const product = x.mul(c);
      const loss = product.sum();
      c.dispose();
      product.dispose();
      loss.backward();
      await expectGrad(x, [5, 6]);
    });

    it('computes no gradient for an operand that does not need one', async () => {
      const x = leaf([1, 2]);
      const k = leaf([3, 4], false);
      const y = x.mul(k).sum();
      // k's gradient would be g * x, which would read the disposed data.
      x.data.dispose();
      y.backward();
      await expectGrad(x, [3, 4]);
    });

    it('handles a 10,000-node chain without overflowing the stack', async () => {
      const x = leaf([1]);
      let y = x;
      for (let i = 0; i < 10_000; i++) y = y.add(1);
      y.sum().backward();
      await expectGrad(x, [1]);
    });
  });

  describe('memory', () => {
    it('keeps a graph returned from tidy differentiable, and gradients alive after tidy', async () => {
      const x = leaf([1, 2]);
      const loss = tidy(() => x.mul(3).exp().sum());
      tidy(() => loss.backward());
      expect(x.grad?.isDisposed).toBe(false);
      await expectGrad(x, [3 * Math.exp(3), 3 * Math.exp(6)]);
    });

    it('dispose(v) frees its data and gradient, never the Variables it was computed from', async () => {
      const x = leaf([1, 2]);
      const y = x.mul(2);
      y.retainGrad();
      y.sum().backward();
      const yGrad = y.grad;
      dispose(y);
      expect(y.data.isDisposed).toBe(true);
      expect(yGrad?.isDisposed).toBe(true);
      expect(y.grad).toBeNull();
      expect(x.data.isDisposed).toBe(false);
      await expectGrad(x, [2, 2]);
      x.dispose();
      expect(x.data.isDisposed).toBe(true);
      expect(x.grad).toBeNull();
    });

    it('using frees a Variable and its gradient at the end of the block', async () => {
      const before = memory().numTensors;
      {
        using x = leaf([1, 2]);
        x.grad = onesLike(x.data);
        expect(memory().numTensors).toBe(before + 2);
      }
      expect(memory().numTensors).toBe(before);
      let named: Variable[] = [];
      {
        using x = leaf([1, 2]);
        using loss = x.mul(x).sum();
        loss.backward();
        expect(await loss.item()).toBe(5);
        named = [x, loss];
      }
      for (const v of named) expect(v.data.isDisposed).toBe(true);
      expect(named[0]?.grad).toBeNull();
    });
  });

  describe('the gradient table', () => {
    it('names a kernel (or a view) for every rule', async () => {
      for (const [op, rule] of Object.entries(GRADIENTS)) {
        expect(typeof rule.backward, op).toBe('function');
        expect([...KERNEL_NAMES, 'view'], op).toContain(rule.kernel);
      }
    });

    it('reduceToShape sums broadcast dims back to the input shape', async () => {
      const g = onesLike(tensor([[[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]], { device }));
      expect(await values(reduceToShape(g, [3, 1]))).toEqual([[8], [8], [8]]);
      expect(await values(reduceToShape(g, [4]))).toEqual([6, 6, 6, 6]);
      expect(await values(reduceToShape(g, []))).toBe(24);
      expect(reduceToShape(g, [2, 3, 4])).toBe(g);
    });
  });
}
