import { composite, type Variable } from '@kindling/autograd';
import { GRU, LSTM, RNN, type Module, type Parameter } from '@kindling/nn';
import type { Tensor } from '@kindling/tensor';
import type { Attribute } from './graph-builder.js';
import type { EmitContext, Emitter } from './emit-context.js';

/*
 * nn's RNN, LSTM and GRU as ONNX's own RNN, LSTM and GRU nodes, one per layer, as PyTorch's
 * exporter writes them. A recurrent layer gives several values (the output and the final states),
 * where nn's composites give one, so the exporter declares the whole module call as one composite
 * itself (`recurrentComposite`) and the emitter binds the final states beside the output.
 */

type RecurrentLayer = RNN | LSTM | GRU;

/** What the emitter reads of one call: the module, and the final states forward returned. */
interface RecurrentCall {
  readonly module: RecurrentLayer;
  readonly finalStates: { hN?: Tensor; cN?: Tensor };
}

/**
 * Where each of ONNX's gate blocks lies in nn's (PyTorch's) weights: LSTM's i, f, g, o become
 * ONNX's i, o, f, c; GRU's r, z, n become z, r, h.
 */
const GATE_ORDER: Readonly<Record<string, readonly number[]>> = { LSTM: [0, 3, 1, 2], GRU: [1, 0, 2], RNN: [0] };

function opTypeOf(module: RecurrentLayer): 'LSTM' | 'GRU' | 'RNN' {
  return module instanceof LSTM ? 'LSTM' : module instanceof GRU ? 'GRU' : 'RNN';
}

/** Whether `module` is one of the recurrent layers this file writes. */
function isRecurrentLayer(module: Module): module is RecurrentLayer {
  return module instanceof RNN || module instanceof LSTM || module instanceof GRU;
}

/**
 * `forward` of a recurrent layer declared to the trace as one composite (`lstm`, `gru`, `rnn`),
 * taking the input and the initial states; other modules' `forward` as it is.
 */
export function recurrentComposite(module: Module, forward: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  if (!isRecurrentLayer(module)) return forward;
  const op = opTypeOf(module).toLowerCase();
  return (input: unknown, hx?: unknown) => {
    const [h0, c0] = module instanceof LSTM ? ((hx as readonly unknown[] | undefined) ?? []) : [hx];
    const call: RecurrentCall = { module, finalStates: {} };
    let result: unknown;
    composite(op, [input, h0 ?? null, c0 ?? null], call, () => {
      result = forward(input, hx);
      const [output, states] = result as [Variable, Variable | [Variable, Variable]];
      const [hN, cN] = Array.isArray(states) ? states : [states];
      call.finalStates.hN = hN.data;
      call.finalStates.cN = cN?.data;
      return output;
    });
    return result;
  };
}

/** `weight` (gate blocks stacked along dim 0) with its blocks in ONNX's order, as a [1, ...] slice of W, R or B. */
function reordered(c: EmitContext, weight: Parameter, order: readonly number[], hidden: number): string {
  const name = c.builder.nameOf(weight, c.scope);
  const blocks = order.length === 1 ? name : c.node('Concat', order.map((gate) => c.node('Slice', [name, c.ints([gate * hidden]), c.ints([(gate + 1) * hidden]), c.ints([0])])), { axis: { int: 0 } });
  return c.node('Unsqueeze', [blocks, c.ints([0])]);
}

function concatenated(c: EmitContext, values: readonly string[], axis: number): string {
  return values.length === 1 ? (values[0] as string) : c.node('Concat', values, { axis: { int: axis } });
}

/** The attributes of one layer's node: its size and direction, and what differs from ONNX's defaults. */
function nodeAttributes(module: RecurrentLayer, directions: number): Record<string, Attribute> {
  const attributes: Record<string, Attribute> = { hidden_size: { int: module.hiddenSize }, direction: { string: directions === 2 ? 'bidirectional' : 'forward' } };
  // GRU's n gate applies r after R's product and bias, as PyTorch's: ONNX's linear_before_reset.
  if (module instanceof GRU) attributes.linear_before_reset = { int: 1 };
  if (module instanceof RNN && module.nonlinearity === 'relu') attributes.activations = { strings: Array<string>(directions).fill('Relu') };
  return attributes;
}

/** A node's inputs without the absent optional ones at the end (ONNX names an absent input '' only before a given one). */
function withoutTrailingBlanks(inputs: readonly string[]): string[] {
  const kept = [...inputs];
  while (kept.at(-1) === '') kept.pop();
  return kept;
}

/**
 * One layer's node over `x` ([seq, batch, feature]), its W, R and B built from the layer's
 * parameters (so they keep their state-dict names) and its slice of the initial states; gives
 * Y, Y_h and (LSTM) Y_c.
 */
function layerNode(c: EmitContext, module: RecurrentLayer, layer: number, x: string, initial: readonly (string | null)[]): string[] {
  const opType = opTypeOf(module);
  const order = GATE_ORDER[opType] as readonly number[];
  const directions = module.bidirectional ? 2 : 1;
  const weights = module.allWeights.slice(layer * directions, (layer + 1) * directions);
  const inOnnxOrder = (weight: Parameter | undefined): string => reordered(c, weight as Parameter, order, module.hiddenSize);
  // W and R are [directions, gates·hidden, ...]; B is W's bias then R's, [directions, 2·gates·hidden].
  const stacked = (index: number): string => concatenated(c, weights.map((ws) => inOnnxOrder(ws[index])), 0);
  const bias = module.bias ? concatenated(c, weights.map((ws) => c.node('Concat', [inOnnxOrder(ws[2]), inOnnxOrder(ws[3])], { axis: { int: 1 } })), 0) : '';
  const layerState = (state: string | null): string => (state === null ? '' : c.node('Slice', [state, c.ints([layer * directions]), c.ints([(layer + 1) * directions]), c.ints([0])]));
  const inputs = [x, stacked(0), stacked(1), bias, '', layerState(initial[0] ?? null), ...(opType === 'LSTM' ? [layerState(initial[1] ?? null)] : [])];
  return c.builder.node(opType, withoutTrailingBlanks(inputs), nodeAttributes(module, directions), c.scope, c.dtype, opType === 'LSTM' ? 3 : 2);
}

const recurrent: Emitter = (c) => {
  const { module, finalStates } = c.attrs as unknown as RecurrentCall;
  if (module instanceof LSTM && module.projSize > 0) {
    throw c.fail(`LSTM with projSize ${module.projSize} projects h after every step, which ONNX's LSTM cannot; export an LSTM without projSize, or write the projection as a Linear after each step with LSTMCell`);
  }
  const directions = module.bidirectional ? 2 : 1;
  const unbatched = c.shapeOf(0).length === 2;
  // ONNX's layout 0, [seq, batch, feature], from every layout nn takes.
  let x = unbatched ? c.node('Unsqueeze', [c.input(0), c.ints([1])]) : module.batchFirst ? c.node('Transpose', [c.input(0)], { perm: { ints: [1, 0, 2] } }) : c.input(0);
  const initial = [1, 2].map((i) => (c.has(i) ? (unbatched ? c.node('Unsqueeze', [c.input(i), c.ints([1])]) : c.input(i)) : null));
  const finalH: string[] = [];
  const finalC: string[] = [];
  for (let layer = 0; layer < module.numLayers; layer++) {
    const [y, yH, yC] = layerNode(c, module, layer, x, initial) as [string, string, string | undefined];
    finalH.push(yH);
    if (yC !== undefined) finalC.push(yC);
    // Y is [seq, directions, batch, hidden]: the next layer reads [seq, batch, directions·hidden].
    x = directions === 1 ? c.node('Squeeze', [y, c.ints([1])]) : c.node('Reshape', [c.node('Transpose', [y], { perm: { ints: [0, 2, 1, 3] } }), c.ints([0, 0, -1])]);
  }
  const restoreState = (parts: readonly string[]): string => {
    const joined = concatenated(c, parts, 0);
    return unbatched ? c.node('Squeeze', [joined, c.ints([1])]) : joined;
  };
  if (finalStates.hN !== undefined) c.builder.bind(finalStates.hN, restoreState(finalH));
  if (finalStates.cN !== undefined) c.builder.bind(finalStates.cN, restoreState(finalC));
  if (unbatched) return c.node('Squeeze', [x, c.ints([1])]);
  return module.batchFirst ? c.node('Transpose', [x], { perm: { ints: [1, 0, 2] } }) : x;
};

export const RECURRENT_EMITTERS: Readonly<Record<string, { emit: Emitter }>> = {
  lstm: { emit: recurrent },
  gru: { emit: recurrent },
  rnn: { emit: recurrent },
};
