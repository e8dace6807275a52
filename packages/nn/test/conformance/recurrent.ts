import { fileURLToPath } from 'node:url';
import { cat, gradcheck, Variable } from '@kindling/autograd';
import { manualSeed, randn, type Tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { deserialize, GRU, GRUCell, load, LSTM, LSTMCell, RNN, RNNCell, serialize, utils, type Module } from '../../src/index.js';
import { gateMajorProjection, gruUpdate, lstmUpdate, rnnUpdate } from '../../src/layers/recurrent-cells.js';
import rnnFixture from '../fixtures/rnn.json' with { type: 'json' };
import { expectSpec, fromSpec, type TensorSpec } from './harness.js';

/*
 * RNN, LSTM, GRU, their cells and utils.rnn.padSequence against PyTorch, on the cases of
 * scripts/fixtures/generate_rnn_fixtures.py; float64 finite-difference checks of the gradients;
 * dropout between layers; an nn.LSTM checkpoint written by PyTorch as safetensors.
 */

interface RecurrentCase {
  kind: 'sequence' | 'cell';
  name: string;
  layer: string;
  args: [number, number];
  options: Record<string, unknown>;
  training: boolean;
  stateDict: Record<string, TensorSpec>;
  input: TensorSpec;
  initial: TensorSpec[];
  upstream: TensorSpec[];
  expected: { outputs: TensorSpec[]; inputGrad: TensorSpec; initialGrads: TensorSpec[]; grads: Record<string, TensorSpec> };
}

interface PadSequenceCase {
  kind: 'padSequence';
  name: string;
  options: { batchFirst?: boolean; paddingValue?: number };
  sequences: TensorSpec[];
  upstream: TensorSpec;
  expected: { output: TensorSpec; grads: TensorSpec[] };
}

interface SafetensorsLstmCase {
  kind: 'safetensors';
  name: string;
  file: string;
  metadata: Record<string, string>;
  keys: string[];
  input: TensorSpec;
  initial: [TensorSpec, TensorSpec];
  expected: { outputs: [TensorSpec, TensorSpec, TensorSpec] };
}

const cases = rnnFixture as unknown as { kind: string }[];
const recurrentCases = cases.filter((c): c is RecurrentCase => c.kind === 'sequence' || c.kind === 'cell');
const padCases = cases.filter((c): c is PadSequenceCase => c.kind === 'padSequence');
const safetensorsCase = cases.find((c): c is SafetensorsLstmCase => c.kind === 'safetensors');
// Sums over a few steps and gates in float32, in another order than PyTorch's.
const TOLERANCE = 1e-4;

/** Runs a layer or cell as its PyTorch counterpart is called, giving every output (output and final states, or the cell's states). */
type Runner = (input: Variable, initial: Variable[]) => Variable[];
type Factory = (args: [number, number], options: Record<string, unknown>) => { module: Module; run: Runner };

const FACTORIES: Record<string, Factory> = {
  RNN: (args, options) => {
    const module = new RNN(...args, options);
    return { module, run: (x, [h0]) => module.forward(x, h0) };
  },
  GRU: (args, options) => {
    const module = new GRU(...args, options);
    return { module, run: (x, [h0]) => module.forward(x, h0) };
  },
  LSTM: (args, options) => {
    const module = new LSTM(...args, options);
    return { module, run: (x, [h0, c0]) => (h0 && c0 ? flattenLstm(module.forward(x, [h0, c0])) : flattenLstm(module.forward(x))) };
  },
  RNNCell: (args, options) => {
    const module = new RNNCell(...args, options);
    return { module, run: (x, [h]) => [module.forward(x, h)] };
  },
  GRUCell: (args, options) => {
    const module = new GRUCell(...args, options);
    return { module, run: (x, [h]) => [module.forward(x, h)] };
  },
  LSTMCell: (args, options) => {
    const module = new LSTMCell(...args, options);
    return { module, run: (x, [h, c]) => (h && c ? module.forward(x, [h, c]) : module.forward(x)) };
  },
};

function flattenLstm([output, [hN, cN]]: [Variable, [Variable, Variable]]): Variable[] {
  return [output, hN, cN];
}

function specs(record: Record<string, TensorSpec>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(record).map(([name, spec]) => [name, fromSpec(spec)]));
}

function float64Leaf(shape: number[], seed: number): Variable {
  manualSeed(seed);
  return new Variable(randn(shape, { dtype: 'float64' }), { requiresGrad: true });
}

/** Every element of every output in one Variable, for gradcheck's single output. */
function joined(outputs: Variable[]): Variable {
  return cat(outputs.map((v) => v.flatten()));
}

function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

/**
 * @param float64 - whether the backend stores float64 (GPUs compute in float32).
 * @param fileSystem - whether node:fs works here (not in a browser): the PyTorch checkpoint is a file.
 */
export function recurrentSuite(float64: boolean, fileSystem: boolean): void {
  describe('recurrent layers: parity with PyTorch', () => {
    it('has sequence, cell and padSequence fixtures', () => {
      expect(recurrentCases.filter((c) => c.kind === 'sequence').length).toBeGreaterThan(30);
      expect(recurrentCases.filter((c) => c.kind === 'cell').length).toBeGreaterThan(10);
      expect(padCases.length).toBeGreaterThan(2);
    });

    for (const c of recurrentCases) {
      it(`${c.name}: outputs, final states and every gradient`, async () => {
        const factory = FACTORIES[c.layer];
        expect(factory, c.layer).toBeDefined();
        const { module, run } = (factory as Factory)(c.args, c.options);
        // PyTorch's keys, in PyTorch's order.
        expect(Object.keys(module.stateDict())).toEqual(Object.keys(c.stateDict));
        module.loadStateDict(specs(c.stateDict));
        module.train(c.training);
        const input = new Variable(fromSpec(c.input), { requiresGrad: true });
        const initial = c.initial.map((spec) => new Variable(fromSpec(spec), { requiresGrad: true }));
        const outputs = run(input, initial);
        expect(outputs.length).toBe(c.expected.outputs.length);
        for (const [i, output] of outputs.entries()) await expectSpec(output, c.expected.outputs[i] as TensorSpec, TOLERANCE);
        const losses = outputs.map((output, i) => output.mul(fromSpec(c.upstream[i] as TensorSpec)).sum());
        losses.reduce((total, loss) => total.add(loss)).backward();
        await expectSpec(input.grad, c.expected.inputGrad, TOLERANCE);
        for (const [i, state] of initial.entries()) await expectSpec(state.grad, c.expected.initialGrads[i] as TensorSpec, TOLERANCE);
        const parameters = new Map(module.namedParameters());
        expect([...parameters.keys()]).toEqual(Object.keys(c.expected.grads));
        for (const [name, spec] of Object.entries(c.expected.grads)) await expectSpec(parameters.get(name)?.grad ?? null, spec, TOLERANCE);
      });
    }

    for (const c of padCases) {
      it(`utils.rnn.padSequence: ${c.name}`, async () => {
        const sequences = c.sequences.map((spec) => new Variable(fromSpec(spec), { requiresGrad: true }));
        const output = utils.rnn.padSequence(sequences, c.options);
        await expectSpec(output, c.expected.output, TOLERANCE);
        output.mul(fromSpec(c.upstream)).sum().backward();
        for (const [i, sequence] of sequences.entries()) await expectSpec(sequence.grad, c.expected.grads[i] as TensorSpec, TOLERANCE);
      });
    }

    it.skipIf(!fileSystem)('loads an nn.LSTM checkpoint PyTorch wrote as safetensors, and saves the same tensors under the same keys', async () => {
      expect(safetensorsCase).toBeDefined();
      const c = safetensorsCase as SafetensorsLstmCase;
      const lstm = new LSTM(4, 6, { numLayers: 2, bidirectional: true, batchFirst: true });
      expect(Object.keys(lstm.stateDict())).toEqual(c.keys);
      const fromTorch = await load(fixturePath(c.file));
      lstm.loadStateDict(fromTorch);
      const [output, [hN, cN]] = lstm.forward(fromSpec(c.input), [fromSpec(c.initial[0]), fromSpec(c.initial[1])]);
      for (const [i, value] of [output, hN, cN].entries()) await expectSpec(value, c.expected.outputs[i] as TensorSpec, TOLERANCE);
      // The reference writer orders tensors by dtype and name, Kindling by insertion: compare tensors, not bytes.
      const { tensors, metadata } = deserialize(await serialize(lstm.stateDict(), c.metadata));
      expect(metadata).toEqual(c.metadata);
      expect(Object.keys(tensors).sort()).toEqual(Object.keys(fromTorch).sort());
      for (const [name, tensor] of Object.entries(tensors)) {
        expect(Array.from(await tensor.data()), name).toEqual(Array.from(await (fromTorch[name] as Tensor).data()));
      }
    });
  });

  describe('recurrent layers: dropout, shapes and errors', () => {
    it('drops between layers in training mode only, never after the last layer', async () => {
      manualSeed(3);
      const lstm = new LSTM(3, 4, { numLayers: 2, dropout: 1 });
      const [first] = lstm.forward(randn(5, 2, 3));
      const [second] = lstm.forward(randn(5, 2, 3));
      // Every input of layer 1 is dropped, so the output no longer depends on the input.
      expect(Array.from(await first.data.data())).toEqual(Array.from(await second.data.data()));
      lstm.eval();
      const [third] = lstm.forward(randn(5, 2, 3));
      expect(Array.from(await third.data.data())).not.toEqual(Array.from(await first.data.data()));
      const single = new GRU(3, 4, { dropout: 1 });
      const x = randn(5, 2, 3);
      const [trained] = single.forward(x);
      const [evaluated] = single.eval().forward(x);
      expect(Array.from(await trained.data.data())).toEqual(Array.from(await evaluated.data.data()));
    });

    it('names the expected shapes in its errors, and prints as PyTorch', () => {
      const lstm = new LSTM(4, 6, { numLayers: 2, batchFirst: true, bidirectional: true });
      expect(() => lstm.forward(randn(3, 5, 5))).toThrow('LSTM: expected an input of shape [batch, seq, 4] or [seq, 4] (unbatched), got [3, 5, 5]');
      expect(() => lstm.forward(randn(3, 5, 4), [randn(2, 3, 6), randn(4, 3, 6)])).toThrow('LSTM: expected h0 of shape [4, 3, 6]');
      expect(() => lstm.forward(randn(5, 4), [randn(4, 1, 6), randn(4, 1, 6)])).toThrow('expected h0 of shape [4, 6]');
      expect(() => new GRUCell(3, 4).forward(randn(2, 3), randn(3, 4))).toThrow('GRUCell: expected hx of shape [2, 4] for an input of batch 2, got [3, 4]');
      expect(() => new RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow("RNN: nonlinearity must be 'tanh' or 'relu', got 'sigmoid'");
      expect(() => new LSTM(3, 4, { projSize: 4 })).toThrow('projSize must be smaller than hiddenSize (4)');
      expect(lstm.toString()).toBe('LSTM(4, 6, numLayers=2, batchFirst=true, bidirectional=true)');
      expect(new RNNCell(3, 4, { nonlinearity: 'relu', bias: false }).toString()).toBe('RNNCell(3, 4, bias=false, nonlinearity=relu)');
      expect(lstm.allWeights.map((weights) => weights.length)).toEqual([4, 4, 4, 4]);
    });

    it('draws every parameter from U(-1/sqrt(hidden), 1/sqrt(hidden))', async () => {
      manualSeed(0);
      const gru = new GRU(8, 16, { numLayers: 2 });
      for (const parameter of gru.parameters()) {
        const values = Array.from(await parameter.data.data());
        expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(0.25);
        expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.2);
      }
    });
  });

  describe('recurrent gradients by finite differences (float64)', () => {
    it.skipIf(!float64)('the three updates, through every weight and bias', async () => {
      const [x, h, c] = [float64Leaf([2, 3], 21), float64Leaf([2, 4], 22), float64Leaf([2, 4], 23)];
      const weights = (gates: number, seed: number): Variable[] => [float64Leaf([gates * 4, 3], seed), float64Leaf([gates * 4, 4], seed + 1), float64Leaf([gates * 4], seed + 2), float64Leaf([gates * 4], seed + 3)];
      const step = (gates: number, update: (xp: Variable, hp: Variable, h: Variable, c: Variable) => Variable[]) =>
        (xv: Variable, hv: Variable, cv: Variable, wih: Variable, whh: Variable, bih: Variable, bhh: Variable): Variable => {
          const project = (v: Variable, w: Variable, b: Variable): Variable => gateMajorProjection(v, w, b, gates);
          return joined(update(project(xv, wih, bih), project(hv, whh, bhh), hv, cv));
        };
      expect(await gradcheck(step(1, (xp, hp) => [rnnUpdate(xp, hp, 'tanh')]), [x, h, c, ...weights(1, 30)])).toBe(true);
      expect(await gradcheck(step(4, (xp, hp, _h, cv) => lstmUpdate(xp, hp, cv)), [x, h, c, ...weights(4, 40)])).toBe(true);
      expect(await gradcheck(step(3, (xp, hp, hv) => [gruUpdate(xp, hp, hv)]), [x, h, c, ...weights(3, 50)])).toBe(true);
    });

    it.skipIf(!float64)('LSTM, GRU and RNN: input and initial states, 2 layers, bidirectional', async () => {
      manualSeed(60);
      const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true, projSize: 2, dtype: 'float64' });
      const [x, h0, c0] = [float64Leaf([4, 2, 3], 61), float64Leaf([4, 2, 2], 62), float64Leaf([4, 2, 4], 63)];
      expect(await gradcheck((xv, hv, cv) => joined(flattenLstm(lstm.forward(xv, [hv, cv]))), [x, h0, c0])).toBe(true);
      const gru = new GRU(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true, dtype: 'float64' });
      const [xb, hb] = [float64Leaf([2, 4, 3], 64), float64Leaf([4, 2, 4], 65)];
      expect(await gradcheck((xv, hv) => joined(gru.forward(xv, hv)), [xb, hb])).toBe(true);
      const rnn = new RNN(3, 4, { numLayers: 2, dtype: 'float64' });
      expect(await gradcheck((xv) => joined(rnn.forward(xv)), [float64Leaf([5, 3], 66)])).toBe(true);
    });
  });
}
