import { Variable } from '@kindling/autograd';
import {
  AdaptiveAvgPool2d,
  BatchNorm1d,
  BCELoss,
  BCEWithLogitsLoss,
  Dropout2d,
  HuberLoss,
  Identity,
  KLDivLoss,
  L1Loss,
  ModuleList,
  SmoothL1Loss,
  Unflatten,
  AvgPool2d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  Dropout,
  ELU,
  Embedding,
  Flatten,
  GELU,
  LayerNorm,
  LeakyReLU,
  Linear,
  LogSoftmax,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
  Sigmoid,
  SiLU,
  Softmax,
  Tanh,
  functional as F,
  type Input,
} from '@kindling/nn';
import { manualSeed, rand, randint, randn, zerosLike, type Tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { exportOnnx, importOnnx, OnnxExportError } from '../src/index.js';

/** Every parameter's gradient after `loss(model).backward()`, by name. */
function gradients(model: Module, output: Variable): Map<string, Float32Array> {
  model.zeroGrad();
  output.mul(output).sum().backward();
  // An imported constant that only reaches a comparison (SmoothL1Loss's beta) gets no gradient, as in PyTorch.
  return new Map(model.namedParameters().flatMap(([name, p]) => (p.grad === null ? [] : [[name, p.grad.dataSync() as Float32Array] as const])));
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  const scale = Array.from(expected).reduce((largest, v) => Math.max(largest, Math.abs(v)), 1);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(Number(actual[i]) - Number(expected[i]))).toBeLessThanOrEqual(tolerance * scale);
}

/** Exports `model`, imports the file back and checks outputs and every parameter's gradient. */
function roundTrip(model: Module, inputs: Input[], opset?: number): void {
  model.eval();
  const imported = importOnnx(exportOnnx(model, inputs, { opset }));
  const expected = model.forward(...(inputs as never[])) as Variable;
  const actual = imported.forward(...inputs);
  expect(actual.shape).toEqual(expected.shape);
  expectClose(actual.data.dataSync(), expected.data.dataSync());
  const expectedGrads = gradients(model, expected);
  const actualGrads = gradients(imported, actual);
  for (const [name, grad] of expectedGrads) {
    expect(actualGrads.has(name), `the imported model has the parameter ${name}`).toBe(true);
    expectClose(actualGrads.get(name) as Float32Array, grad, 1e-4);
  }
}

describe('export then import: same outputs and same gradients', () => {
  it('a CNN with every kind of layer nn has for images', () => {
    manualSeed(1);
    const model = new Sequential(
      new Conv2d(3, 8, 3, { padding: 1 }),
      new BatchNorm2d(8),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(8, 8, 3, { padding: 1, paddingMode: 'reflect', groups: 2 }),
      new AvgPool2d(2, { padding: 1, countIncludePad: false }),
      new Conv2d(8, 6, [2, 3], { stride: 2, dilation: [1, 2], paddingMode: 'replicate', padding: 1 }),
      new AdaptiveAvgPool2d(1),
      new Flatten(),
      new Linear(6, 16),
      new LayerNorm(16),
      new GELU(),
      new Dropout(0.3),
      new LeakyReLU(0.2),
      new Linear(16, 12),
      new ELU(0.5),
      new GELU('tanh'),
      new SiLU(),
      new Tanh(),
      new Sigmoid(),
      new Softmax(1),
      new LogSoftmax(1),
    );
    roundTrip(model, [randn([2, 3, 12, 12])]);
  });

  it('an embedding, 1-D convolution and the view ops', () => {
    manualSeed(2);
    class Text extends Module {
      embed = new Embedding(20, 6);
      conv = new Conv1d(6, 4, 3, { padding: 'same' });
      head = new Linear(4, 3);
      forward(tokens: Tensor): Variable {
        const features = F.relu(this.conv.forward(this.embed.forward(tokens).transpose(1, 2)));
        const pooled = features.permute(0, 2, 1).reshape([-1, 4]).slice(0, 1, 9, 2).unsqueeze(0).squeeze(0);
        return this.head.forward(pooled).clamp(-0.5, 0.5).max(1).values.add(pooled.mean(1).sub(1).div(2).pow(2).exp());
      }
    }
    roundTrip(new Text(), [randint(0, 20, [2, 5])]);
  });

  it('the losses: cross-entropy (with ignored targets), nll, mse', () => {
    manualSeed(5);
    class Losses extends Module {
      head = new Linear(4, 3);
      forward(x: Input, labels: Tensor): Variable {
        const logits = this.head.forward(x);
        const ignoring = F.crossEntropy(logits, labels, { ignoreIndex: 2 });
        const nll = F.nllLoss(F.logSoftmax(logits, 1), labels, { reduction: 'sum' });
        return ignoring.add(nll).add(F.mseLoss(logits, logits.mul(0.5)));
      }
    }
    roundTrip(new Losses(), [randn([6, 4]), randint(0, 3, [6])]);
  });

  it('the other layers and losses of nn', () => {
    manualSeed(6);
    const unflattened = new Sequential(new Linear(6, 6), new Unflatten(1, [2, 3]), new Identity());
    roundTrip(new Sequential(new Linear(4, 4), new BatchNorm1d(4), new SiLU()), [randn([3, 4])]);
    roundTrip(new Sequential(new Conv1d(4, 4, 1), new BatchNorm1d(4)), [randn([3, 4, 5])]);
    roundTrip(new Sequential(new Conv2d(3, 3, 1), new Dropout2d(0.3)), [randn([2, 3, 4, 4])]);
    roundTrip(unflattened, [randn([2, 6])]);
    roundTrip(new Sequential(...new ModuleList([new Linear(3, 3), new Tanh()])), [randn([2, 3])]);
    class Scored extends Module {
      head = new Linear(3, 3);
      constructor(readonly loss: { forward(input: Input, target: Input): Variable } & Module) {
        super();
      }
      forward(x: Input, target: Tensor): Variable {
        return this.loss.forward(this.head.forward(x), target);
      }
    }
    for (const loss of [new BCEWithLogitsLoss(), new L1Loss(), new SmoothL1Loss(), new HuberLoss({ delta: 0.5 })]) roundTrip(new Scored(loss), [randn([4, 3]), rand([4, 3])]);
    class Probabilities extends Module {
      head = new Linear(3, 3);
      forward(x: Input, target: Tensor): Variable {
        const logits = this.head.forward(x);
        return new BCELoss().forward(F.sigmoid(logits), target).add(new KLDivLoss({ reduction: 'batchmean' }).forward(F.logSoftmax(logits, 1), F.softmax(target, 1)));
      }
    }
    roundTrip(new Probabilities(), [randn([4, 3]), rand([4, 3])]);
  });

  it('a batch other than the sample one, through dynamic axes', () => {
    manualSeed(3);
    const model = new Sequential(new Conv2d(1, 4, 3), new ReLU(), new Flatten(), new Linear(4 * 6 * 6, 5)).eval();
    const bytes = exportOnnx(model, randn([1, 1, 8, 8]), { dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } } });
    const x = randn([3, 1, 8, 8]);
    expectClose(importOnnx(bytes).forward(x).data.dataSync(), model.forward(x).data.dataSync());
  });

  it('an op ONNX export cannot write is an error naming the op and the module', () => {
    class Scatter extends Module {
      inner = new Sequential(new Linear(3, 3));
      forward(x: Input): Variable {
        return new Variable(x as Tensor).scatterAdd(1, randint(0, 3, [2, 3]), this.inner.forward(x));
      }
    }
    expect(() => exportOnnx(new Scatter(), randn([2, 3]))).toThrow(OnnxExportError);
    expect(() => exportOnnx(new Scatter(), randn([2, 3]))).toThrow(/'scatterAdd' in the top-level module/);
    class Noisy extends Module {
      forward(x: Input): Variable {
        return F.dropout(x, 0.5, true);
      }
    }
    expect(() => exportOnnx(new Noisy(), randn([2, 3]))).toThrow(/'dropout' in the top-level module: dropout with training true/);
  });

  it('a value forward computes outside the trace is an error, not a graph frozen on the sample', () => {
    manualSeed(4);
    class ScaledByData extends Module {
      fc = new Linear(4, 2);
      forward(x: Input): Variable {
        // A plain Tensor op on the input: the trace sees a constant computed from the sample.
        const shift = new Variable((x as Tensor).mul(2));
        return this.fc.forward(shift);
      }
    }
    class BranchOnValues extends Module {
      forward(x: Input): Variable {
        const v = new Variable(x as Tensor);
        return Number(v.data.sum().dataSync()[0]) > 0 ? v.mul(2) : v.neg();
      }
    }
    const sample = randn([3, 4]);
    expect(() => exportOnnx(new ScaledByData(), sample)).toThrow(OnnxExportError);
    expect(() => exportOnnx(new ScaledByData(), sample)).toThrow(/ScaledByData does not compute what its forward does .*output 'output'.*plain Tensor ops/);
    expect(() => exportOnnx(new BranchOnValues(), zerosLike(sample))).toThrow(/BranchOnValues does not compute what its forward does/);
    // An all-zero sample changes too, and { check: false } writes the sample's trace as it was.
    const frozen = importOnnx(exportOnnx(new ScaledByData(), zerosLike(sample), { check: false }));
    expect(frozen.forward(sample).shape).toEqual([3, 2]);
  });

  it('the check takes inputs and outputs of any size', () => {
    manualSeed(7);
    // 200,000 entries: more than a function call takes as spread arguments.
    const x = randn([2, 100_000]);
    const bytes = exportOnnx(new Sequential(new ReLU()), x);
    expect(Array.from(importOnnx(bytes).forward(x).data.dataSync())).toEqual(Array.from(x.relu().dataSync()));
  });

  it('the check leaves integer inputs in range and the random generator where it was', () => {
    manualSeed(5);
    class Bag extends Module {
      embed = new Embedding(6, 3);
      fc = new Linear(6, 2);
      forward(indices: Tensor): Variable {
        return this.fc.forward(this.embed.forward(indices).flatten(1));
      }
    }
    const model = new Bag();
    const indices = randint(0, 6, [4, 2]);
    manualSeed(9);
    const before = randn([3]).dataSync();
    manualSeed(9);
    exportOnnx(model, indices);
    expect(Array.from(randn([3]).dataSync())).toEqual(Array.from(before));
  });
});
