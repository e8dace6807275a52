import { Variable } from '@kindling/autograd';
import { getBackend, INSPECT, ones, randn, tensor, zeros, type Tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { CrossEntropyLoss, Dropout, Flatten, functional as F, Linear, Module, Parameter, ReLU, Sequential, type Input } from '../../src/index.js';

/** The tutorial's network: three Linear layers with ReLUs between them. */
export class Net extends Module {
  inToHl1 = new Linear(784, 512);
  hl1ToHl2 = new Linear(512, 512);
  hl2ToOut = new Linear(512, 10);

  forward(x: Input): Variable {
    const h1 = F.relu(this.inToHl1.forward(x));
    const h2 = F.relu(this.hl1ToHl2.forward(h1));
    return this.hl2ToOut.forward(h2);
  }
}

class Small extends Module {
  first = new Linear(3, 4);
  second = new Linear(4, 2, { bias: false });
  forward(x: Input): Variable {
    return this.second.forward(F.relu(this.first.forward(x)));
  }
}

class Outer extends Module {
  block = new Sequential(new Linear(2, 3), new ReLU());
  scale = new Parameter(ones([1]));
  head = new Linear(3, 1, { bias: false });
  forward(x: Input): Variable {
    return this.head.forward(this.block.forward(x)).mul(this.scale);
  }
}

function shapes(t: Record<string, Tensor>): Record<string, readonly number[]> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.shape]));
}

export function moduleSuite(float64: boolean): void {
  describe('Module discovery', () => {
    it('finds parameters in definition order with dotted names', () => {
      const net = new Net();
      expect(net.namedParameters().map(([name, p]) => [name, p.shape])).toEqual([
        ['inToHl1.weight', [512, 784]],
        ['inToHl1.bias', [512]],
        ['hl1ToHl2.weight', [512, 512]],
        ['hl1ToHl2.bias', [512]],
        ['hl2ToOut.weight', [10, 512]],
        ['hl2ToOut.bias', [10]],
      ]);
      const params = net.parameters();
      expect(params).toHaveLength(6);
      expect(params.every((p) => p instanceof Parameter && p.requiresGrad)).toBe(true);
      expect(params[0]).toBe(net.inToHl1.weight);
    });

    it('lists children and modules in order, depth first', () => {
      const outer = new Outer();
      expect(outer.namedChildren().map(([name]) => name)).toEqual(['block', 'head']);
      expect(outer.children()).toEqual([outer.block, outer.head]);
      expect(outer.namedModules().map(([name, m]) => [name, m.constructor.name])).toEqual([
        ['', 'Outer'],
        ['block', 'Sequential'],
        ['block.0', 'Linear'],
        ['block.1', 'ReLU'],
        ['head', 'Linear'],
      ]);
      expect(outer.modules()[0]).toBe(outer);
      // A module's own parameters come before its children's.
      expect(outer.namedParameters().map(([name]) => name)).toEqual(['scale', 'block.0.weight', 'block.0.bias', 'head.weight']);
      expect(outer.parameters(false)).toEqual([outer.scale]);
      expect(outer.namedParameters('model').map(([name]) => name)[1]).toBe('model.block.0.weight');
    });

    it('lists a shared module or parameter once, but keeps every name in the state dict', () => {
      class Tied extends Module {
        encoder = new Linear(2, 2);
        decoder = this.encoder;
        forward(x: Input): Variable {
          return this.decoder.forward(this.encoder.forward(x));
        }
      }
      const tied = new Tied();
      expect(tied.parameters()).toHaveLength(2);
      expect(tied.modules()).toHaveLength(2);
      expect(Object.keys(tied.stateDict())).toEqual(['encoder.weight', 'encoder.bias', 'decoder.weight', 'decoder.bias']);
    });

    it('ignores plain values and null parameters', () => {
      const small = new Small();
      expect(small.second.bias).toBeNull();
      expect(small.namedParameters().map(([name]) => name)).toEqual(['first.weight', 'first.bias', 'second.weight']);
    });

    it('checks names as PyTorch does', () => {
      class Dotted extends Module {
        constructor() {
          super();
          Object.defineProperty(this, 'layer.one', { value: new Linear(1, 1), enumerable: true });
        }
        forward(): void {}
      }
      expect(() => new Dotted().parameters()).toThrow(/'layer\.one' contains '\.'/);

      class Empty extends Module {
        constructor() {
          super();
          Object.defineProperty(this, '', { value: new Parameter(zeros([1])), enumerable: true });
        }
        forward(): void {}
      }
      expect(() => new Empty().parameters()).toThrow(/cannot have an empty name/);

      class Shadowing extends Module {
        constructor() {
          super();
          Object.defineProperty(this, 'zeroGrad', { value: new Linear(1, 1), enumerable: true });
        }
        forward(): void {}
      }
      expect(() => new Shadowing().children()).toThrow(/'zeroGrad' shadows the method/);

      class Mixed extends Module {
        layers = [new Linear(1, 1), 'relu'];
        forward(): void {}
      }
      expect(() => new Mixed().parameters()).toThrow(/property 'layers' holds Modules or Parameters and, at index 1, a string/);
    });
  });

  describe('Module printing', () => {
    it("prints the tutorial Net in PyTorch's layout", () => {
      expect(new Net().toString()).toBe(
        [
          'Net(',
          '  (inToHl1): Linear(inFeatures=784, outFeatures=512, bias=true)',
          '  (hl1ToHl2): Linear(inFeatures=512, outFeatures=512, bias=true)',
          '  (hl2ToOut): Linear(inFeatures=512, outFeatures=10, bias=true)',
          ')',
        ].join('\n'),
      );
    });

    it('indents nested modules and prints leaves on one line', () => {
      expect(new Outer().toString()).toBe(
        [
          'Outer(',
          '  (block): Sequential(',
          '    (0): Linear(inFeatures=2, outFeatures=3, bias=true)',
          '    (1): ReLU()',
          '  )',
          '  (head): Linear(inFeatures=3, outFeatures=1, bias=false)',
          ')',
        ].join('\n'),
      );
      expect(new Dropout(0.25).toString()).toBe('Dropout(p=0.25)');
      expect(new Flatten().toString()).toBe('Flatten(startDim=1, endDim=-1)');
      expect(new CrossEntropyLoss().toString()).toBe('CrossEntropyLoss()');
      expect(new CrossEntropyLoss({ labelSmoothing: 0.1, reduction: 'sum' }).toString()).toBe("CrossEntropyLoss(reduction='sum', labelSmoothing=0.1)");
      expect(String(`${new Sequential()}`)).toBe('Sequential()');
    });

    it('puts a multi-line extraRepr above the children', () => {
      class Annotated extends Module {
        inner = new ReLU();
        override extraRepr(): string {
          return 'first=1\nsecond=2';
        }
        forward(): void {}
      }
      expect(new Annotated().toString()).toBe('Annotated(\n  first=1\n  second=2\n  (inner): ReLU()\n)');
    });

    it('prints a Parameter as PyTorch does', () => {
      // Off the cpu, PyTorch names the device too: tensor([1., 2.], device='cuda:0').
      const printed = new Parameter(tensor([1, 2])).toString();
      // An asynchronous backend cannot read values inside toString(), so it says how to read them instead.
      if (!getBackend().synchronous) expect(printed).toMatch(/^Parameter containing:\ntensor\(<on [a-z0-9-]+: await t\.data\(\) to read>/);
      else expect(printed).toMatch(/^Parameter containing:\ntensor\(\[1\.?0*, 2\.?0*\](, device='[a-z0-9-]+')?, requires_grad=True\)$/);
      if (getBackend().synchronous) expect(new Parameter(tensor([1, 2]), { requiresGrad: false }).toString()).not.toContain('requires_grad');
    });

    // Node's console.log calls this symbol's method (util.inspect.custom); browsers run this suite too, so it is called directly.
    it('prints the same in console.log (util.inspect.custom) as in toString', () => {
      const outer = new Outer();
      expect(outer[INSPECT]()).toBe(outer.toString());
      const parameter = new Parameter(tensor([1, 2]));
      expect(parameter[INSPECT]()).toBe(parameter.toString());
    });
  });

  describe('Module.apply', () => {
    it('visits every submodule, children first, then the module itself, and returns it', () => {
      const model = new Outer();
      const visited: string[] = [];
      expect(model.apply((m) => visited.push(m.constructor.name))).toBe(model);
      expect(visited).toEqual(['Linear', 'ReLU', 'Sequential', 'Linear', 'Outer']);
    });

    it('initialises weights the way PyTorch users write it', async () => {
      const model = new Small();
      model.apply((m) => {
        if (m instanceof Linear) m.weight.data.fill_(0.5);
      });
      expect(Array.from(await model.second.weight.data.data())).toEqual(new Array(8).fill(0.5));
      expect(Array.from(await model.first.weight.data.data())).toEqual(new Array(12).fill(0.5));
    });
  });

  describe('Sequential', () => {
    it('names its children 0, 1, ... and chains them', async () => {
      const first = new Linear(3, 5);
      const second = new Linear(5, 2);
      const model = new Sequential(first, new ReLU(), second);
      expect(model.namedChildren().map(([name]) => name)).toEqual(['0', '1', '2']);
      expect(model.namedParameters().map(([name]) => name)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
      expect(model.length).toBe(3);
      expect(model.at(0)).toBe(first);
      expect(model.at(-1)).toBe(second);
      expect([...model]).toHaveLength(3);
      expect(() => model.at(3)).toThrow(/index 3 is out of range for 3 layers/);
      const x = randn([4, 3]);
      const manual = second.forward(F.relu(first.forward(x)));
      expect(Array.from(await model.forward(x).data.data())).toEqual(Array.from(await manual.data.data()));
    });
  });

  describe('training mode, devices and gradients', () => {
    it('train() and eval() reach every module', () => {
      const model = new Sequential(new Linear(2, 2), new Sequential(new Dropout(), new ReLU()));
      expect(model.modules().every((m) => m.training)).toBe(true);
      expect(model.eval()).toBe(model);
      expect(model.modules().every((m) => !m.training)).toBe(true);
      model.train();
      expect(model.modules().every((m) => m.training)).toBe(true);
      model.train(false);
      expect(model.modules().some((m) => m.training)).toBe(false);
    });

    it.skipIf(!float64)('to() keeps the Parameter objects and moves or casts their data (needs float64)', () => {
      const small = new Small();
      const before = small.parameters();
      const device = before[0]?.device ?? '';
      expect(small.to(device).parameters()).toEqual(before);
      small.to('float64');
      expect(small.parameters()).toEqual(before);
      expect(before.every((p) => p.dtype === 'float64')).toBe(true);
      expect(() => small.to('int32')).toThrow(/floating-point dtype, not int32/);
    });

    it('zeroGrad() sets every gradient to null and frees it', () => {
      const small = new Small();
      small.forward(randn([2, 3])).sum().backward();
      const grads = small.parameters().map((p) => p.grad);
      expect(grads.every((g) => g !== null)).toBe(true);
      small.zeroGrad();
      expect(small.parameters().every((p) => p.grad === null)).toBe(true);
      expect(grads.every((g) => g?.isDisposed)).toBe(true);
    });
  });

  describe('stateDict and loadStateDict', () => {
    it('returns every parameter by dotted name in definition order', () => {
      const outer = new Outer();
      const state = outer.stateDict();
      expect(shapes(state)).toEqual({ scale: [1], 'block.0.weight': [3, 2], 'block.0.bias': [3], 'head.weight': [1, 3] });
      expect(Object.keys(state)).toEqual(['scale', 'block.0.weight', 'block.0.bias', 'head.weight']);
      expect(state['head.weight']).toBe(outer.head.weight.data);
    });

    it('copies values into the existing parameters', async () => {
      const source = new Small();
      const target = new Small();
      const weight = target.first.weight;
      expect(target.loadStateDict(source.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
      expect(target.first.weight).toBe(weight);
      expect(target.first.weight.data).not.toBe(source.first.weight.data);
      for (const [name, value] of Object.entries(target.stateDict())) {
        expect(Array.from(await value.data()), name).toEqual(Array.from(await (source.stateDict()[name] as Tensor).data()));
      }
    });

    it('names the key and both shapes on a size mismatch', () => {
      const net = new Net();
      const state = { ...net.stateDict(), 'inToHl1.weight': zeros([10, 784]) };
      expect(() => net.loadStateDict(state)).toThrow(
        new Error('loadStateDict: size mismatch for inToHl1.weight: copying a param with shape [10, 784] from checkpoint, the shape in the current model is [512, 784]'),
      );
      // Shapes are checked even when keys need not match.
      expect(() => net.loadStateDict(state, { strict: false })).toThrow(/size mismatch for inToHl1\.weight/);
    });

    it('rejects missing and unexpected keys when strict, and changes nothing', async () => {
      const small = new Small();
      const before = Array.from(await small.first.weight.data.data());
      const { 'first.bias': _dropped, ...rest } = new Small().stateDict();
      const state = { ...rest, 'third.weight': zeros([1]) };
      expect(() => small.loadStateDict(state)).toThrow(/missing key\(s\) in the state dict: "first\.bias".*unexpected key\(s\) in the state dict: "third\.weight"/);
      expect(Array.from(await small.first.weight.data.data())).toEqual(before);
    });

    it('refuses what is not a record of tensors, naming what it expects, even when not strict', () => {
      const small = new Small();
      const weight = small.first.weight.data;
      for (const [given, kind] of [[null, 'null'], [undefined, 'undefined'], [[weight], 'an array'], [weight, 'a Tensor'], [new Map([['first.weight', weight]]), 'a Map'], ['first.weight', 'a string']] as const) {
        const message = `loadStateDict: expected a record of tensors by parameter name (as stateDict() and load() give), got ${kind}`;
        expect(() => small.loadStateDict(given as never)).toThrow(new TypeError(message));
        expect(() => small.loadStateDict(given as never, { strict: false })).toThrow(new TypeError(message));
      }
      expect(small.first.weight.data).toBe(weight);
    });

    it('loads what matches and reports the rest when not strict', async () => {
      const small = new Small();
      const source = new Small();
      const { 'first.bias': _dropped, ...rest } = source.stateDict();
      const result = small.loadStateDict({ ...rest, extra: zeros([2]) }, { strict: false });
      expect(result).toEqual({ missingKeys: ['first.bias'], unexpectedKeys: ['extra'] });
      expect(Array.from(await small.second.weight.data.data())).toEqual(Array.from(await source.second.weight.data.data()));
    });

    it.skipIf(!float64)("casts loaded values to the parameter's dtype (needs float64)", () => {
      const small = new Small();
      const state = Object.fromEntries(Object.entries(new Small().stateDict()).map(([k, v]) => [k, v.to('float64')]));
      small.loadStateDict(state);
      expect(small.parameters().every((p) => p.dtype === 'float32')).toBe(true);
    });
  });
}
