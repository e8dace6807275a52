import { Variable } from '@kindling/autograd';
import { Embedding, Linear, Module, Parameter, ReLU, Sequential, asVariable, type Input } from '@kindling/nn';
import { manualSeed, rand, randn, tensor, type Tensor } from '@kindling/tensor';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportOnnx, importOnnx, OnnxExportError } from '../src/index.js';

/** Scales pixels to [0, 1] only where they look like bytes: a branch on a value read from the input. */
class ScaleIfBytes extends Module {
  forward(x: Input): Variable {
    const v = asVariable(x);
    return v.max().data.itemSync() > 1 ? v.div(255) : v;
  }
}

class Net extends Module {
  features = new Sequential(new ScaleIfBytes(), new Linear(4, 2));
  forward(x: Input): Variable {
    return this.features.forward(x);
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('exportOnnx refuses host reads of values computed from the inputs', () => {
  it('a branch on itemSync() names the read, the op that made the value, its shape and the module', () => {
    manualSeed(1);
    const pixels = rand([3, 4]).mul(255);
    expect(() => exportOnnx(new Net(), pixels)).toThrow(OnnxExportError);
    expect(() => exportOnnx(new Net(), pixels)).toThrow(/itemSync\(\) of the value made by 'max' \(float32 \[\]\) in module 'features\.0'/);
    expect(() => exportOnnx(new Net(), pixels)).toThrow(/move the decision out of forward, or pass \{ allowHostReads: true \}/);
  });

  it('an awaited item() in an async forward is refused too, not reported as a bad return value', () => {
    class SignOfSum extends Module {
      async forward(x: Input): Promise<Variable> {
        const v = asVariable(x);
        return (await v.sum().item()) > 0 ? v : v.neg();
      }
    }
    expect(() => exportOnnx(new SignOfSum(), randn([2, 3]))).toThrow(/item\(\) of the value made by 'sum' \(float32 \[\]\) in the top-level module/);
  });

  it('reading a graph input itself is refused, named by its input name', () => {
    class CountPositive extends Module {
      forward(x: Input): Variable {
        const positives = Array.from((x as Tensor).dataSync()).filter((value) => value > 0).length;
        return asVariable(x).mul(positives);
      }
    }
    expect(() => exportOnnx(new CountPositive(), randn([2, 3]), { inputNames: ['x'] })).toThrow(/dataSync\(\) of the graph input 'x' \(float32 \[2, 3\]\)/);
  });

  it('reads of parameters, constants and shapes stay allowed, and so does printing a traced value', () => {
    class Settled extends Module {
      gain = new Parameter(tensor([2]));
      forward(x: Input): Variable {
        const v = asVariable(x);
        const gain = this.gain.data.itemSync();
        const offset = tensor([0.5, 1.5, 2.5]).sum().itemSync();
        expect(String(v.relu())).toContain('tensor(');
        return v.mul(gain).add(offset).div(v.shape[1] as number);
      }
    }
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const x = randn([2, 3]);
    const imported = importOnnx(exportOnnx(new Settled(), x));
    expect(Array.from(imported.forward(x).data.dataSync())).toEqual(Array.from(new Settled().forward(x).data.dataSync()));
    expect(warn).not.toHaveBeenCalled();
  });

  it('allowHostReads writes the value the sample gave as a constant, with one warning for every read', () => {
    class ReadsTwice extends Module {
      forward(x: Input): Variable {
        const v = asVariable(x);
        const scale = v.max().data.itemSync() > 1 ? 255 : 1;
        const shift = v.min().data.itemSync() < 0 ? 1 : 0;
        return v.div(scale).add(shift);
      }
    }
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    manualSeed(2);
    const pixels = rand([2, 4]).mul(255);
    const imported = importOnnx(exportOnnx(new ReadsTwice(), pixels, { allowHostReads: true }));
    expect(Array.from(imported.forward(pixels).data.dataSync())).toEqual(Array.from(pixels.div(255).dataSync()));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/read 2 values computed from its inputs.*itemSync\(\) of the value made by 'max'.*itemSync\(\) of the value made by 'min'/);
  });
});

describe("exportOnnx's check runs the graph on inputs that differ from the sample in every entry", () => {
  it('a branch on a mean that shuffling keeps is caught', () => {
    class BrightOrDark extends Module {
      forward(x: Input): Variable {
        // A plain Tensor op: outside the trace, so only the check can see the branch.
        const bright = (x as Tensor).mean().itemSync() > 0.5;
        return bright ? asVariable(x).neg() : asVariable(x);
      }
    }
    const sample = tensor([[0.9, 0.8, 0.7, 0.1]]);
    expect(() => exportOnnx(new BrightOrDark(), sample)).toThrow(/every entry of the sample changed.*output 'output': element 0/);
  });

  it('a branch on a sum of integer inputs, which shuffling keeps, is caught with the indices left in range', () => {
    class LongOrShort extends Module {
      embed = new Embedding(4, 2);
      forward(tokens: Tensor): Variable {
        const long = tokens.sum().itemSync() > 5;
        return this.embed.forward(tokens).mul(long ? 2 : 1);
      }
    }
    // Each token becomes the next one the sample holds (1 -> 3, 3 -> 1): the sum goes from 5 to 7.
    const tokens = tensor([[1, 1, 3]], { dtype: 'int32' });
    expect(() => exportOnnx(new LongOrShort(), tokens)).toThrow(/LongOrShort does not compute what its forward does .*\(on every entry of the sample changed/);
  });
});

describe('exportOnnx checks each dim named in dynamicAxes at another extent', () => {
  /** Adds a learned position table, cut to the input's length: the trace keeps the sample's length as a constant. */
  class Positions extends Module {
    table = new Parameter(randn([16, 4]));
    forward(x: Input): Variable {
      const v = asVariable(x);
      return v.add(this.table.narrow(0, 0, v.shape[1] as number));
    }
  }

  it('refuses a dynamic dim whose extent the trace holds as a constant, naming the input, the dim and the extents', () => {
    manualSeed(3);
    const sample = randn([2, 5, 4]);
    const attempt = (): Uint8Array => exportOnnx(new Positions(), sample, { inputNames: ['x'], dynamicAxes: { x: { 0: 'batch', 1: 'time' } } });
    expect(attempt).toThrow(OnnxExportError);
    expect(attempt).toThrow(/dynamicAxes names dim 1 of input 'x' \('time'\) dynamic, but the traced graph of Positions holds its extent 5 as a constant: at extent 4, where forward runs/);
    expect(attempt).toThrow(/Leave dim 1 of 'x' out of dynamicAxes to export the model for extent 5, or pass \{ check: false \}/);
  });

  it('accepts the dims the graph does take at any extent, growing a dim of extent 1', async () => {
    manualSeed(4);
    const model = new Positions();
    const bytes = exportOnnx(model, randn([1, 5, 4]), { inputNames: ['x'], dynamicAxes: { x: { 0: 'batch' } } });
    const x = randn([3, 5, 4]);
    const output = importOnnx(bytes).run({ x });
    expect(Array.from((output['output'] as Variable).data.dataSync())).toEqual(Array.from(model.forward(x).data.dataSync()));
  });

  it("refuses a reshape to the sample's count of rows under a dynamic batch", () => {
    class Rows extends Module {
      linear = new Linear(4, 2);
      forward(x: Input): Variable {
        const v = asVariable(x);
        const [batch, time] = v.shape as [number, number, number];
        return this.linear.forward(v.reshape([batch * time, 4])).reshape([batch, time, 2]);
      }
    }
    expect(() => exportOnnx(new Rows(), randn([2, 3, 4]), { dynamicAxes: { input: { 0: 'batch' } } })).toThrow(/dim 0 of input 'input' \('batch'\)[^]*at extent 1, where forward runs, the graph fails/);
  });

  it('checks nothing at an extent where forward itself fails', () => {
    class ThreeSteps extends Module {
      forward(x: Input): Variable {
        const v = asVariable(x);
        if (v.shape[1] !== 3) throw new Error('ThreeSteps takes 3 steps');
        return v.mul(2);
      }
    }
    expect(() => exportOnnx(new ThreeSteps(), randn([2, 3]), { dynamicAxes: { input: { 1: 'time' } } })).not.toThrow();
  });
});

describe('exportOnnx says what is wrong with its arguments', () => {
  it('no sample inputs is an error saying what forward takes and how to pass samples', () => {
    const model = new Sequential(new Linear(4, 2), new ReLU());
    expect(() => exportOnnx(model, [])).toThrow(/no sample inputs were given \(Sequential\.forward takes 1 input\).*exportOnnx\(model, randn\(\[1, 784\]\)\)/);
  });

  it('fewer sample inputs than forward takes is named when forward then fails', () => {
    class Pair extends Module {
      forward(x: Input, y: Input): Variable {
        return asVariable(x).add(asVariable(y));
      }
    }
    expect(() => exportOnnx(new Pair(), [randn([2])])).toThrow(/Pair\.forward takes 2 inputs but 1 sample input was given, and it failed: Variable: expected a Tensor/);
    expect(() => exportOnnx(new Pair(), [randn([2]), undefined as unknown as Tensor])).toThrow(/sample input 1 of Pair\.forward is undefined/);
  });

  it('an output named like an input, or an input named like a parameter, is refused before ONNX Runtime would reject it', () => {
    const model = new Sequential(new Linear(3, 3));
    const x = randn([2, 3]);
    expect(() => exportOnnx(model, x, { inputNames: ['x'], outputNames: ['x'] })).toThrow(/the name 'x' is given to both input 0 and output 0/);
    expect(() => exportOnnx(model, x, { inputNames: ['output'] })).toThrow(/the name 'output' is given to both input 0 and output 0/);
    expect(() => exportOnnx(model, x, { inputNames: ['0.weight'] })).toThrow(/the name '0\.weight' is given to both the parameter or constant '0\.weight' of the model and input 0/);
    expect(() => exportOnnx(model, x, { outputNames: ['y', 'z'] })).toThrow(/outputNames has 2 names for the 1 output forward returns/);
  });
});
