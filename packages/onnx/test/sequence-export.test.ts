import { Variable } from '@kindling/autograd';
import {
  ConvTranspose1d,
  ConvTranspose2d,
  functional as F,
  GELU,
  GRU,
  LayerNorm,
  LSTM,
  LSTMCell,
  Module,
  MultiheadAttention,
  RMSNorm,
  RNN,
  Sequential,
  Transformer,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
  Upsample,
  type Input,
} from '@kindling/nn';
import { manualSeed, randn, tensor, type Tensor } from '@kindling/tensor';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { exportOnnx, importOnnx, OnnxExportError, type ExportOnnxOptions } from '../src/index.js';
import { decodeModel } from '../src/proto/proto.js';

// One thread: the WebAssembly build then needs no worker threads in Node.
ort.env.wasm.numThreads = 1;

const TOLERANCE = 1e-4;
const OPSETS = [13, 14, 15, 16, 17, 18];

/** forward's outputs as PyTorch's exporter flattens them: nested arrays in order, nulls left out. */
function flatOutputs(result: unknown): Tensor[] {
  const items = Array.isArray(result) ? (result as unknown[]).flat(Infinity).filter((item) => item !== null) : [result];
  return items.map((item) => (item as Variable).data);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const scale = Array.from(expected).reduce((largest, v) => Math.max(largest, Math.abs(v)), 1);
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(Number(actual[i]) - Number(expected[i]));
    if (!(error <= TOLERANCE * scale)) expect.fail(`${what}: element ${i} is ${actual[i]}, Kindling gives ${expected[i]}`);
  }
}

function ortTensor(input: Tensor): ort.Tensor {
  if (input.dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from(input.dataSync() as Uint8Array), [...input.shape]);
  return new ort.Tensor('float32', Float32Array.from(input.dataSync() as Float32Array), [...input.shape]);
}

function opTypes(bytes: Uint8Array): Set<string> {
  return new Set((decodeModel(bytes).graph?.node ?? []).map((node) => node.opType ?? ''));
}

/** Runs the file in ONNX Runtime (WebAssembly) on `inputs`, in the graph's input order, and compares every output with `expected`. */
async function expectOnnxRuntimeGives(bytes: Uint8Array, inputs: readonly Tensor[], expected: readonly Tensor[]): Promise<void> {
  const session = await ort.InferenceSession.create(bytes);
  const results = await session.run(Object.fromEntries(session.inputNames.map((name, i) => [name, ortTensor(inputs[i] as Tensor)])));
  session.outputNames.forEach((name, i) => expectClose((results[name] as ort.Tensor).data as Float32Array, (expected[i] as Tensor).dataSync() as Float32Array, `ONNX Runtime, output '${name}'`));
}

/**
 * Exports `model` (the export runs its own check), then runs the file in ONNX Runtime and imports
 * it back into Kindling: both must give forward's outputs within 1e-4. Gives the file's op types.
 */
async function expectFaithfulExport(model: Module, inputs: readonly Input[], options: ExportOnnxOptions = {}): Promise<Set<string>> {
  model.eval();
  const expected = flatOutputs((model.forward as (...args: Input[]) => unknown)(...inputs));
  const bytes = exportOnnx(model, [...inputs], options);
  const inputTensors = inputs.map((input) => (input instanceof Variable ? input.data : input));

  await expectOnnxRuntimeGives(bytes, inputTensors, expected);

  const imported = importOnnx(bytes);
  const actual = imported.run(Object.fromEntries(imported.inputNames.map((name, i) => [name, inputTensors[i] as Tensor])));
  imported.outputNames.forEach((name, i) => expectClose((actual[name] as Variable).data.dataSync() as Float32Array, (expected[i] as Tensor).dataSync() as Float32Array, `importOnnx, output '${name}'`));
  return opTypes(bytes);
}

/** A module whose forward is `fn`, for functions and for layers that take options. */
class Wrapped extends Module {
  constructor(
    readonly fn: (...inputs: Variable[]) => unknown,
    children: Record<string, Module> = {},
  ) {
    super();
    for (const [name, child] of Object.entries(children)) (this as unknown as Record<string, Module>)[name] = child;
  }

  forward(...inputs: Variable[]): unknown {
    return this.fn(...inputs);
  }
}

describe('exportOnnx writes scaledDotProductAttention as primitive ops', () => {
  it.each(OPSETS)('scaledDotProductAttention, causal and with bool and additive masks, at opset %i', async (opset) => {
    manualSeed(1);
    const [q, k, v] = [randn([2, 3, 5, 8]), randn([2, 3, 6, 8]), randn([2, 3, 6, 4])];
    const causal = await expectFaithfulExport(new Wrapped((a, b, c) => F.scaledDotProductAttention(a, b, c, { isCausal: true })), [q, k, v], { opset });
    expect([...causal]).toEqual(expect.arrayContaining(['MatMul', 'Softmax', 'Where']));
    // Key 0 stays visible to every query: a query that sees no key gives NaN, in PyTorch as here.
    const keep = tensor(Array.from({ length: 30 }, (_, i) => (i % 6 === 0 || (i * 7) % 5 < 3 ? 1 : 0))).reshape([5, 6]).gt(0);
    await expectFaithfulExport(new Wrapped((a, b, c, m) => F.scaledDotProductAttention(a, b, c, { attnMask: m })), [q, k, v, keep], { opset });
    await expectFaithfulExport(new Wrapped((a, b, c, m) => F.scaledDotProductAttention(a, b, c, { attnMask: m, scale: 0.5 })), [q, k, v, randn([5, 6])], { opset });
  });

  it('refuses attention dropout, which draws a new mask on every call, by name', () => {
    const model = new Wrapped((a, b, c) => F.scaledDotProductAttention(a, b, c, { dropoutP: 0.1 }));
    const x = randn([1, 2, 3, 4]);
    expect(() => exportOnnx(model, [x, x, x])).toThrow(/'dropout' in the top-level module: dropout with training true/);
  });
});

describe('exportOnnx writes MultiheadAttention and the Transformer layers as primitive ops', () => {
  it('MultiheadAttention with a causal mask and a key padding mask given as a graph input, with its weights', async () => {
    manualSeed(2);
    const attention = new MultiheadAttention(8, 2, { batchFirst: true });
    const causal = Transformer.generateSquareSubsequentMask(5);
    const model = new Wrapped((x, padding) => attention.forward(x, x, x, { attnMask: causal, keyPaddingMask: padding }), { attention });
    const padding = tensor([0, 0, 0, 1, 1, 0, 0, 0, 0, 1]).reshape([2, 5]).gt(0);
    const ops = await expectFaithfulExport(model, [randn([2, 5, 8]), padding]);
    expect([...ops]).toEqual(expect.arrayContaining(['MatMul', 'Softmax', 'Where', 'Add']));
  });

  it('MultiheadAttention with kdim and vdim, bias_k and bias_v, a 3-D float mask and per-head weights', async () => {
    manualSeed(4);
    const attention = new MultiheadAttention(8, 2, { kdim: 6, vdim: 5, addBiasKv: true });
    const model = new Wrapped((q, k, v, mask, padding) => attention.forward(q, k, v, { attnMask: mask, keyPaddingMask: padding, averageAttnWeights: false }), { attention });
    const padding = tensor([0, 0, 1, 0, 0, 0, 0, 0]).reshape([2, 4]).gt(0);
    await expectFaithfulExport(model, [randn([3, 2, 8]), randn([4, 2, 6]), randn([4, 2, 5]), randn([4, 3, 4]), padding], { opset: 13 });
  });

  it.each(OPSETS)('a causal 2-layer TransformerEncoder (post-norm, GELU, no biases) at opset %i', async (opset) => {
    manualSeed(3);
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.1, activation: 'gelu', bias: false });
    const encoder = new TransformerEncoder(layer, 2);
    const mask = Transformer.generateSquareSubsequentMask(4);
    const model = new Wrapped((src) => encoder.forward(src, { mask, isCausal: true }), { encoder });
    const ops = await expectFaithfulExport(model, [randn([4, 3, 8])], { opset });
    expect(ops.has('LayerNormalization')).toBe(opset >= 17);
    expect(ops.has('Erf')).toBe(true);
  });

  it('a pre-norm TransformerDecoder over an encoder memory, batch first', async () => {
    manualSeed(5);
    const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, normFirst: true, batchFirst: true });
    const decoder = new TransformerDecoder(layer, 2, { norm: new LayerNorm(8) });
    const tgtMask = Transformer.generateSquareSubsequentMask(3);
    const model = new Wrapped((tgt, memory) => decoder.forward(tgt, memory, { tgtMask, tgtIsCausal: true }), { decoder });
    await expectFaithfulExport(model, [randn([2, 3, 8]), randn([2, 5, 8])]);
  });

  it.each([13, 17])('a whole Transformer at opset %i', async (opset) => {
    manualSeed(6);
    const transformer = new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 });
    const tgtMask = Transformer.generateSquareSubsequentMask(4);
    const model = new Wrapped((src, tgt) => transformer.forward(src, tgt, { tgtMask }), { transformer });
    await expectFaithfulExport(model, [randn([5, 2, 8]), randn([4, 2, 8])], { opset });
  });
});

describe('exportOnnx writes the new normalisations and activations', () => {
  it.each([13, 17])('RMSNorm as its decomposition, LayerNorm without a bias and the tanh GELU at opset %i', async (opset) => {
    manualSeed(7);
    const model = new Sequential(new RMSNorm(6), new LayerNorm(6, { bias: false }), new GELU({ approximate: 'tanh' }), new RMSNorm([2, 6], { eps: 1e-3, elementwiseAffine: false }));
    const ops = await expectFaithfulExport(model, [randn([3, 2, 6])], { opset });
    expect(ops.has('Tanh')).toBe(true);
    expect(ops.has('LayerNormalization')).toBe(opset >= 17);
  });
});

describe('exportOnnx writes transposed convolutions as ConvTranspose and interpolate as Resize', () => {
  it.each([13, 18])('ConvTranspose2d and ConvTranspose1d (stride, padding, outputPadding, dilation, groups, no bias, unbatched) at opset %i', async (opset) => {
    manualSeed(8);
    const model2d = new Sequential(new ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), new ConvTranspose2d(6, 3, [2, 3], { dilation: [1, 2], bias: false }));
    const ops = await expectFaithfulExport(model2d, [randn([2, 4, 5, 4])], { opset });
    expect(ops.has('ConvTranspose')).toBe(true);
    expect(ops.has('MatMul')).toBe(false);
    await expectFaithfulExport(model2d, [randn([4, 3, 3])], { opset });
    const model1d = new ConvTranspose1d(3, 2, 4, { stride: 3, padding: 2, outputPadding: 2 });
    await expectFaithfulExport(model1d, [randn([2, 3, 7])], { opset });
  });

  it.each([
    ['nearest, scale factor 2', { scaleFactor: 2 }, [2, 3, 4, 5], 13],
    ['nearest to a size, 1-D', { size: 12 }, [2, 3, 4], 14],
    ['bilinear', { scaleFactor: 2, mode: 'bilinear' }, [2, 3, 4, 5], 15],
    ['bilinear with alignCorners', { scaleFactor: [2, 3], mode: 'bilinear', alignCorners: true }, [1, 2, 4, 5], 16],
    ['bilinear to a size', { size: [7, 9], mode: 'bilinear' }, [1, 2, 4, 5], 17],
    ['linear with alignCorners to a size', { size: 9, mode: 'linear', alignCorners: true }, [2, 3, 4], 18],
  ] as const)('Upsample %s, at opset %i', async (_, options, shape, opset) => {
    manualSeed(9);
    const ops = await expectFaithfulExport(new Upsample(options as never), [randn([...shape])], { opset });
    expect([...ops].filter((op) => op !== 'Identity' && op !== 'Shape' && op !== 'Slice' && op !== 'Concat')).toEqual(['Resize']);
  });

  it('refuses a scale factor whose output size ONNX computes differently (float32), by name', () => {
    expect(() => exportOnnx(new Upsample({ scaleFactor: 0.7 }), randn([1, 2, 10]))).toThrow(/'interpolate' in the top-level module: scaleFactor 0.7 on a spatial dim of 10 gives 7 positions in nn \(as PyTorch\), but ONNX's Resize .* may give 6/);
  });

  it('refuses a nearest resize that ONNX Runtime samples at other positions than nn, by name', () => {
    expect(() => exportOnnx(new Upsample({ size: 82 }), randn([1, 1, 2]))).toThrow(/'interpolate' in the top-level module: nearest resizing of a spatial dim of 2 to 82 reads input position 0 for output 41 in nn/);
  });

  it('Upsample to a size keeps a dynamic batch dynamic', async () => {
    manualSeed(14);
    const upsample = new Upsample({ size: [6, 8], mode: 'bilinear' });
    const bytes = exportOnnx(upsample, randn([1, 2, 3, 4]), { dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } } });
    const x = randn([3, 2, 3, 4]);
    await expectOnnxRuntimeGives(bytes, [x], flatOutputs(upsample.forward(x)));
  });
});

describe('exportOnnx writes RNN, LSTM and GRU as ONNX’s own ops', () => {
  it('a bidirectional 2-layer LSTM, batch first, with its initial states as graph inputs', async () => {
    manualSeed(10);
    const lstm = new LSTM(5, 4, { numLayers: 2, bidirectional: true, batchFirst: true });
    const model = new Wrapped((x, h0, c0) => lstm.forward(x, [h0 as Variable, c0 as Variable]), { lstm });
    const ops = await expectFaithfulExport(model, [randn([3, 6, 5]), randn([4, 3, 4]), randn([4, 3, 4])]);
    expect(ops.has('LSTM')).toBe(true);
    expect(ops.has('Sigmoid')).toBe(false);
  });

  it.each([
    ['LSTM', () => new LSTM(5, 4), 13],
    ['LSTM without biases, 3 layers', () => new LSTM(5, 4, { numLayers: 3, bias: false }), 14],
    ['GRU, bidirectional', () => new GRU(5, 4, { bidirectional: true }), 15],
    ['GRU, 2 layers, batch first', () => new GRU(5, 4, { numLayers: 2, batchFirst: true }), 16],
    ['RNN with relu, bidirectional, 2 layers', () => new RNN(5, 4, { nonlinearity: 'relu', numLayers: 2, bidirectional: true }), 17],
    ['RNN', () => new RNN(5, 4), 18],
  ] as const)('%s as the exported module, with its final states as outputs, at opset %i', async (name, make, opset) => {
    manualSeed(11);
    const ops = await expectFaithfulExport(make(), [randn([6, 2, 5])], { opset });
    expect(ops.has(/^\w+/.exec(name)?.[0] ?? '')).toBe(true);
  });

  it('an unbatched GRU with an initial state, and an LSTMCell unrolled as primitive ops', async () => {
    manualSeed(12);
    await expectFaithfulExport(new GRU(3, 4, { numLayers: 2 }), [randn([5, 3]), randn([2, 4])]);
    await expectFaithfulExport(new LSTMCell(3, 4), [randn([2, 3])]);
  });

  it('a bidirectional 2-layer LSTM with a dynamic sequence length and batch runs other sizes in ONNX Runtime', async () => {
    manualSeed(13);
    const lstm = new LSTM(5, 4, { numLayers: 2, bidirectional: true }).eval();
    const dynamic = { 0: 'seq', 1: 'batch' };
    const bytes = exportOnnx(lstm, randn([3, 2, 5]), { outputNames: ['y', 'hN', 'cN'], dynamicAxes: { input: dynamic, y: dynamic, hN: { 1: 'batch' }, cN: { 1: 'batch' } } });
    const x = randn([7, 4, 5]);
    await expectOnnxRuntimeGives(bytes, [x], flatOutputs(lstm.forward(x)));
    // The gates are reordered by ops in the graph, so the imported model trains the same parameters, by their names.
    expect(Object.keys(importOnnx(bytes).stateDict()).sort()).toEqual(Object.keys(lstm.stateDict()).sort());
  });

  it('refuses an LSTM with projSize by name, with the module path', () => {
    const lstm = new LSTM(5, 4, { projSize: 2 });
    const model = new Wrapped((x) => lstm.forward(x), { encoder: lstm });
    expect(() => exportOnnx(model, randn([3, 2, 5]))).toThrow(OnnxExportError);
    expect(() => exportOnnx(model, randn([3, 2, 5]))).toThrow(/'lstm' in module 'encoder': LSTM with projSize 2/);
  });
});
