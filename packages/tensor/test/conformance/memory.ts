import { describe, expect, it } from 'vitest';
import { dispose, getBackend, memory, ones, randn, tensor, tidy, type Tensor } from '../../src/index.js';

/** Runs `fn` inside tidy and asserts the backend holds exactly as many storages afterwards as before. */
function expectNoStrayStorage(fn: () => unknown): void {
  const backend = getBackend();
  const before = backend.liveStorageCount();
  const tensorsBefore = memory().numTensors;
  tidy(() => {
    fn();
  });
  expect(backend.liveStorageCount()).toBe(before);
  expect(memory().numTensors).toBe(tensorsBefore);
}

export function memorySuite(): void {
  describe('memory', () => {
    const ops: [string, (x: Tensor, w: Tensor) => unknown][] = [
      ['arithmetic with scalars and casts', (x) => x.add(1).mul(tensor([2], { dtype: 'int32' })).div(3).pow(2)],
      ['matmul of vectors', (x, w) => x.select(0, 0).matmul(w)],
      ['reductions with keepdim', (x) => [x.sum(1, true), x.mean(), x.max(0), x.argmin(1, true)]],
      ['softmax, where and clamp', (x) => [x.logSoftmax(1), x.where(x.gt(0), 0), x.clamp(-1, 1)]],
      ['views and copies', (x) => [x.transpose(0, 1).contiguous(), x.T.reshape(12), x.expand(2, 4, 3).sum(0), x.select(1, 2)]],
    ];

    it.each(ops)('%s leave no stray storage behind', (_name, fn) => {
      const x = randn([4, 3]);
      const w = randn([3, 5]);
      expectNoStrayStorage(() => fn(x, w));
      x.dispose();
      w.dispose();
    });

    it('tidy keeps what the function returns, nested or in objects', async () => {
      const backend = getBackend();
      const before = backend.liveStorageCount();
      const result = tidy(() => {
        const a = ones([2]).add(1);
        const inner = tidy(() => ({ b: a.mul(2), list: [a.sub(1)] }));
        return { a, inner };
      });
      expect(backend.liveStorageCount()).toBe(before + 3);
      expect(result.a.isDisposed).toBe(false);
      expect(await result.inner.b.data()).toEqual(new Float32Array([4, 4]));
      // Counted again after the await: finalizers of tensors from earlier tests may have run meanwhile.
      const held = backend.liveStorageCount();
      for (const t of [result.a, result.inner.b, ...result.inner.list]) t.dispose();
      expect(backend.liveStorageCount()).toBe(held - 3);
    });

    it('tidy frees what the function created when it throws, but not what was kept', () => {
      const backend = getBackend();
      const before = backend.liveStorageCount();
      let kept: Tensor | undefined;
      expect(() =>
        tidy(() => {
          const a = ones([2]).add(1);
          kept = a.mul(3).keep();
          tidy(() => a.sub(1));
          throw new Error('failed half-way');
        }),
      ).toThrow('failed half-way');
      expect(backend.liveStorageCount()).toBe(before + 1);
      kept?.dispose();
      expect(backend.liveStorageCount()).toBe(before);
      expect(() => tidy(() => Promise.resolve(ones([2])))).toThrow(/returned a Promise/);
      expect(backend.liveStorageCount()).toBe(before);
    });

    it('a view keeps the storage alive until the last user is disposed', () => {
      const backend = getBackend();
      const before = backend.liveStorageCount();
      const base = ones([2, 3]);
      const view: Tensor = base.transpose(0, 1);
      base.dispose();
      expect(backend.liveStorageCount()).toBe(before + 1);
      view.dispose();
      expect(backend.liveStorageCount()).toBe(before);
    });

    it('keep() lets a tensor outlive its tidy', () => {
      let kept: Tensor | undefined;
      tidy(() => {
        kept = ones([1]).keep();
      });
      expect(kept?.isDisposed).toBe(false);
      kept?.dispose();
    });

    it('using frees a tensor at the end of its block', () => {
      const before = memory();
      let escaped: Tensor | undefined;
      {
        using scratch = ones([2, 3]);
        using view = scratch.transpose(0, 1);
        escaped = view;
        expect(memory().numTensors).toBe(before.numTensors + 2);
        expect(memory().numStorages).toBe(before.numStorages + 1);
      }
      expect(escaped.isDisposed).toBe(true);
      expect(memory()).toEqual(before);
    });

    it('dispose frees the tensors of arrays, Maps and records, and nothing it is not given', () => {
      const before = memory();
      const kept = ones([2]);
      const nested = { a: ones([1]), list: [ones([2]), 3, 'label', null], byName: new Map([['b', ones([3])]]) };
      dispose(nested);
      expect(memory().numTensors).toBe(before.numTensors + 1);
      expect(kept.isDisposed).toBe(false);
      expect(nested.a.isDisposed).toBe(true);
      kept.dispose();
      expect(memory()).toEqual(before);
    });

    it('dispose refuses an object it cannot see into before freeing anything', () => {
      class Holder {
        constructor(readonly t: Tensor) {}
      }
      const loose = ones([1]);
      const held = ones([1]);
      expect(() => dispose([loose, new Holder(held)])).toThrow(/dispose: cannot free a Holder: pass tensors, Variables, or arrays/);
      expect(loose.isDisposed).toBe(false);
      expect(held.isDisposed).toBe(false);
      dispose([loose, held]);
    });

    it('refuses an async function', () => {
      expect(() => tidy(async () => ones([1]))).toThrow(/tidy: the function returned a Promise/);
    });
  });
}
