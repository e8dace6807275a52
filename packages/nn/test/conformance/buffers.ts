import type { Variable } from '@kindling/autograd';
import { manualSeed, ones, tensor, zeros } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, BatchNorm2d, Dropout2d, Embedding, Linear, Module, ModuleDict, ModuleList, Parameter, Sequential, Unflatten, type Input } from '../../src/index.js';
import { expectValues } from './harness.js';

/*
 * Module buffers (registerBuffer, the state dict, `to`), the containers, and the layers' errors
 * and printouts: what the PyTorch fixtures of layer-parity.ts do not reach.
 */

class Counter extends Module {
  scale = new Parameter(ones([2]));
  constructor() {
    super();
    this.registerBuffer('total', zeros([2]));
    this.registerBuffer('scratch', ones([3]), { persistent: false });
    this.registerBuffer('unset', null);
  }
  forward(x: Input): Variable {
    return this.scale.mul(x);
  }
}

class Holder extends Module {
  inner = new Counter();
  norm = new BatchNorm1d(2);
  forward(): void {}
}

class Stack extends Module {
  layers = [new Linear(2, 3), new Linear(3, 1)];
  weights = [new Parameter(ones([1]))];
  forward(x: Input): Variable {
    return this.layers.reduce<Input>((h, layer) => layer.forward(h), x) as Variable;
  }
}

export function buffersSuite(float64: boolean): void {
  describe('Module buffers', () => {
    it('lists buffers with dotted names and puts the persistent ones in the state dict after the parameters', () => {
      const holder = new Holder();
      expect(holder.namedBuffers().map(([name, t]) => [name, t.shape])).toEqual([
        ['inner.total', [2]],
        ['inner.scratch', [3]],
        ['norm.running_mean', [2]],
        ['norm.running_var', [2]],
        ['norm.num_batches_tracked', []],
      ]);
      expect(holder.buffers(false)).toEqual([]);
      expect(holder.inner.buffers()).toHaveLength(2);
      expect(Object.keys(holder.stateDict())).toEqual([
        'inner.scale',
        'inner.total',
        'norm.weight',
        'norm.bias',
        'norm.running_mean',
        'norm.running_var',
        'norm.num_batches_tracked',
      ]);
      expect(holder.stateDict()['norm.num_batches_tracked']?.dtype).toBe('int32');
      expect(holder.getBuffer('inner.total')).toBe(holder.inner.buffers()[0]);
      expect(holder.getBuffer('inner.unset')).toBeNull();
      expect(() => holder.getBuffer('inner.missing')).toThrow(/Counter has no buffer 'missing'/);
      expect(() => holder.getBuffer('nowhere.total')).toThrow(/no submodule 'nowhere'/);
      expect(holder.parameters()).toHaveLength(3);
    });

    it('loads buffers strictly, onto their own dtype, and leaves non-persistent ones alone', async () => {
      const holder = new Holder();
      const state = new Holder().stateDict();
      const loaded = { ...state, 'inner.total': tensor([5, 6]), 'norm.num_batches_tracked': tensor(7, { dtype: 'int32' }) };
      holder.loadStateDict(loaded);
      await expectValues(holder.getBuffer('inner.total'), [5, 6]);
      await expectValues(holder.norm.numBatchesTracked, [7], { dtype: 'int32' });
      const { 'norm.running_var': _dropped, ...missing } = state;
      expect(() => holder.loadStateDict(missing)).toThrow(/missing key\(s\) in the state dict: "norm.running_var"/);
      expect(() => holder.loadStateDict({ ...state, 'inner.scratch': ones([3]) })).toThrow(/unexpected key\(s\) in the state dict: "inner.scratch"/);
      expect(() => holder.loadStateDict({ ...state, 'norm.running_mean': zeros([3]) })).toThrow(/size mismatch for norm.running_mean/);
      expect(holder.loadStateDict(missing, { strict: false }).missingKeys).toEqual(['norm.running_var']);
    });

    it('refuses bad buffer names and values', () => {
      const counter = new Counter();
      expect(() => counter.registerBuffer('a.b', zeros([1]))).toThrow(/contains '\.'/);
      expect(() => counter.registerBuffer('', zeros([1]))).toThrow(/non-empty string/);
      expect(() => counter.registerBuffer('scale', zeros([1]))).toThrow(/'scale' is already a property or method of Counter/);
      expect(() => counter.registerBuffer('forward', zeros([1]))).toThrow(/already a property or method/);
      expect(() => counter.registerBuffer('bad', new Parameter(zeros([1])) as never)).toThrow(/must be a Tensor or null/);
      counter.registerBuffer('total', ones([4]));
      expect(counter.getBuffer('total')?.shape).toEqual([4]);
    });

    it.skipIf(!float64)('casts floating buffers with to(dtype) but keeps integer ones', () => {
      const norm = new BatchNorm2d(3).to('float64');
      expect(norm.runningMean?.dtype).toBe('float64');
      expect(norm.runningVar?.dtype).toBe('float64');
      expect(norm.numBatchesTracked?.dtype).toBe('int32');
      expect(norm.weight?.dtype).toBe('float64');
    });

    it('moves buffers with to(device)', () => {
      const holder = new Holder();
      const device = holder.getBuffer('inner.total')?.device as string;
      holder.to(device);
      expect(holder.buffers().every((t) => t.device === device && !t.isDisposed)).toBe(true);
    });
  });

  describe('containers and arrays of modules', () => {
    it("names an array property's modules and parameters as PyTorch's ModuleList and ParameterList", async () => {
      const model = new Stack();
      // The array's Parameters are the module's own, so they come before its children's (PyTorch's ParameterList is a child).
      expect(model.namedParameters().map(([name]) => name)).toEqual(['weights.0', 'layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
      const copy = new Stack();
      copy.loadStateDict(model.stateDict());
      const x = tensor([[1, 2]]);
      await expectValues(copy.forward(x), Array.from(await model.forward(x).data.data()));
    });

    it('ModuleList and ModuleDict register their modules under PyTorch names', () => {
      class Net extends Module {
        blocks = new ModuleList([new Linear(2, 2)]).append(new Linear(2, 1, { bias: false }));
        heads = new ModuleDict({ a: new Linear(1, 1), b: new Sequential(new Linear(1, 1)) });
        forward(): void {}
      }
      const net = new Net();
      expect(Object.keys(net.stateDict())).toEqual(['blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'heads.a.weight', 'heads.a.bias', 'heads.b.0.weight', 'heads.b.0.bias']);
      expect(net.blocks.length).toBe(2);
      expect(net.blocks.at(-1).outFeatures).toBe(1);
      expect([...net.blocks]).toHaveLength(2);
      expect(net.heads.keys()).toEqual(['a', 'b']);
      expect(net.heads.get('a').constructor.name).toBe('Linear');
      expect(() => net.heads.get('c')).toThrow(/no module named 'c' \(keys: a, b\)/);
      expect(() => net.heads.set('x.y', new Linear(1, 1))).toThrow(/without '\.'/);
      expect(() => net.heads.set('keys', new Linear(1, 1))).toThrow(/is a method or property of ModuleDict/);
      expect(() => net.blocks.forward()).toThrow(/ModuleList has no forward/);
      expect(net.toString()).toContain('(blocks): ModuleList(\n    (0): Linear(inFeatures=2, outFeatures=2, bias=true)');
    });
  });

  describe('layer checks and printouts', () => {
    it('says what is wrong with shapes and options', () => {
      expect(() => new BatchNorm1d(0)).toThrow(/numFeatures must be a positive integer, got 0/);
      expect(() => new BatchNorm1d(2, { momentum: 2 })).toThrow(/momentum must be in \[0, 1\] or null, got 2/);
      expect(() => new BatchNorm2d(2).forward(zeros([2, 2]))).toThrow(/BatchNorm2d: expected a 4-D input, got shape \[2, 2\]/);
      expect(() => new BatchNorm1d(3).forward(zeros([4, 2]))).toThrow(/runningMean has shape \[3\], but the input \[4, 2\] has 2 channels/);
      expect(() => new BatchNorm1d(2).forward(zeros([1, 2]))).toThrow(/more than 1 value per channel when training/);
      expect(() => new Embedding(4, 2, { paddingIdx: 4 })).toThrow(/paddingIdx must be an integer in \[-4, 3\]/);
      expect(() => new Embedding(4, 2).forward(tensor([1.5]))).toThrow(/indices must be int32, got float32/);
      expect(() => new Unflatten(1, [4, 2]).forward(zeros([2, 6]))).toThrow(/sizes \[4,2\] do not multiply to dim 1/);
    });

    it('Dropout2d zeroes whole channels and scales the rest, and passes the input through in eval mode', async () => {
      manualSeed(5);
      const drop = new Dropout2d(0.5);
      const values = Array.from(await drop.forward(ones([4, 8, 3, 3])).data.data());
      const channels = Array.from({ length: 32 }, (_, c) => values.slice(c * 9, c * 9 + 9));
      for (const channel of channels) expect(new Set(channel).size === 1 && [0, 2].includes(channel[0] as number), String(channel)).toBe(true);
      const dropped = channels.filter((channel) => channel[0] === 0).length;
      expect(dropped).toBeGreaterThan(4);
      expect(dropped).toBeLessThan(28);
      const x = ones([1, 2, 2, 2]);
      expect(drop.eval().forward(x).data).toBe(x);
      expect(() => new Dropout2d(2)).toThrow(/Dropout2d: the probability p must be in \[0, 1\], got 2/);
      expect(() => drop.train().forward(ones([2, 2]))).toThrow(/dropout2d: expected an input of shape \[N, C, H, W\] or \[C, H, W\], got \[2, 2\]/);
    });

    it('prints the settings as PyTorch does', () => {
      expect(new BatchNorm2d(4).toString()).toBe('BatchNorm2d(4, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)');
      expect(new Embedding(10, 3, { paddingIdx: 0 }).toString()).toBe('Embedding(10, 3, paddingIdx=0)');
    });

    it('resets the running statistics', async () => {
      const norm = new BatchNorm1d(2);
      norm.forward(tensor([[1, 2], [3, 5]]));
      await expectValues(norm.runningMean, [0.2, 0.35]);
      norm.resetRunningStats();
      await expectValues(norm.runningMean, [0, 0]);
      await expectValues(norm.runningVar, [1, 1]);
      await expectValues(norm.numBatchesTracked, [0], { dtype: 'int32' });
    });

    it('updates a state dict taken before a training step, as PyTorch does', async () => {
      const norm = new BatchNorm1d(2);
      const before = norm.stateDict();
      norm.forward(tensor([[1, 2], [3, 6]]));
      await expectValues(before.running_mean ?? null, [0.2, 0.4]);
      await expectValues(before.running_var ?? null, [0.9 + 0.1 * 2, 0.9 + 0.1 * 8]);
    });
  });
}
