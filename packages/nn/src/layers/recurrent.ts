import { cat, stack, type Variable } from '@kindling/autograd';
import { formatShape } from '@kindling/tensor';
import { dropout } from '../functional.js';
import { Module } from '../module.js';
import { asVariable, type Input, type Parameter } from '../parameter.js';
import type { ParameterFactory } from './affine-parameters.js';
import {
  checkNonlinearity,
  checkSizes,
  gateMajorProjection,
  gruUpdate,
  lstmUpdate,
  recurrentParameter,
  resetRecurrentParameters,
  rnnUpdate,
  zeroState,
  type RnnNonlinearity,
} from './recurrent-cells.js';

/** Options of `new RNN(...)`, `new LSTM(...)` and `new GRU(...)`, as PyTorch's in camelCase. */
export interface RecurrentOptions extends ParameterFactory {
  /** Recurrent layers stacked, each reading the previous one's output (default 1). */
  numLayers?: number;
  /** Whether to learn `bias_ih_l*` and `bias_hh_l*` (default true). */
  bias?: boolean;
  /** Inputs and outputs as [batch, seq, feature] instead of [seq, batch, feature] (default false); the states are unaffected. */
  batchFirst?: boolean;
  /** The dropout probability on each layer's output but the last, in training mode only (default 0). */
  dropout?: number;
  /** Whether each layer also runs from the last step to the first, its output concatenated (default false). */
  bidirectional?: boolean;
}

export interface RNNOptions extends RecurrentOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: RnnNonlinearity;
}

export interface LSTMOptions extends RecurrentOptions {
  /** With projSize > 0, h is projected to this size by `weight_hr_l*` after each step (default 0: none). */
  projSize?: number;
}

/** The state a step reads and writes: c only for LSTM. */
interface StepState {
  h: Variable;
  c: Variable | null;
}

interface DirectionParameters {
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh: Parameter | null;
  biasHh: Parameter | null;
  weightHr: Parameter | null;
}

/**
 * The steps of a [T, ...] sequence, each [...]. Their gradients are windows that backward adds into
 * one tensor of the sequence's shape, so T selects cost one such tensor in the backward pass.
 */
function unbindSteps(sequence: Variable): Variable[] {
  return Array.from({ length: sequence.shape[0] as number }, (_, t) => sequence.select(0, t));
}

/** What RNN, LSTM and GRU share: PyTorch's parameters and their names, the shape checks and the loop over layers, directions and steps. */
abstract class RecurrentLayer extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** The size of h: projSize for an LSTM with a projection, else hiddenSize. */
  protected readonly outputSize: number;
  /** Whether b_hh is added to every step's input projection at once (not for GRU, where it sits inside r·(…)). */
  protected foldsHiddenBias = true;
  /** Whether a step carries c (LSTM's cell state) beside h. */
  protected hasCellState = false;
  readonly #directions: DirectionParameters[] = [];

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    private readonly gates: number,
    options: RecurrentOptions,
    readonly projSize = 0,
  ) {
    super();
    const name = new.target.name;
    this.numLayers = options.numLayers ?? 1;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    this.bidirectional = options.bidirectional ?? false;
    checkSizes(name, { inputSize, hiddenSize, projSize });
    if (!Number.isInteger(this.numLayers) || this.numLayers < 1) throw new RangeError(`${name}: numLayers must be a positive integer, got ${this.numLayers}`);
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout <= 1)) throw new RangeError(`${name}: dropout must be a probability in [0, 1], got ${this.dropout}`);
    if (projSize > 0 && projSize >= hiddenSize) throw new RangeError(`${name}: projSize must be smaller than hiddenSize (${hiddenSize}), got ${projSize}`);
    this.outputSize = projSize > 0 ? projSize : hiddenSize;
    const numDirections = this.bidirectional ? 2 : 1;
    const own = this as unknown as Record<string, Parameter | null>;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const layerInputSize = layer === 0 ? inputSize : this.outputSize * numDirections;
      for (let direction = 0; direction < numDirections; direction++) {
        const suffix = `_l${layer}${direction === 1 ? '_reverse' : ''}`;
        const parameters: DirectionParameters = {
          weightIh: recurrentParameter([gates * hiddenSize, layerInputSize], options),
          weightHh: recurrentParameter([gates * hiddenSize, this.outputSize], options),
          biasIh: this.bias ? recurrentParameter([gates * hiddenSize], options) : null,
          biasHh: this.bias ? recurrentParameter([gates * hiddenSize], options) : null,
          weightHr: projSize > 0 ? recurrentParameter([projSize, hiddenSize], options) : null,
        };
        // PyTorch's names and order (its state dict keys): weight_ih, weight_hh, bias_ih, bias_hh, weight_hr.
        own[`weight_ih${suffix}`] = parameters.weightIh;
        own[`weight_hh${suffix}`] = parameters.weightHh;
        if (parameters.biasIh && parameters.biasHh) {
          own[`bias_ih${suffix}`] = parameters.biasIh;
          own[`bias_hh${suffix}`] = parameters.biasHh;
        }
        if (parameters.weightHr) own[`weight_hr${suffix}`] = parameters.weightHr;
        this.#directions.push(parameters);
      }
    }
    this.resetParameters();
  }

  /** Each layer's and direction's parameters in PyTorch's order, as its `all_weights`. */
  get allWeights(): Parameter[][] {
    return this.#directions.map(({ weightIh, weightHh, biasIh, biasHh, weightHr }) =>
      [weightIh, weightHh, biasIh, biasHh, weightHr].filter((p): p is Parameter => p !== null),
    );
  }

  /** Draws fresh initial values as PyTorch does: every parameter from U(−1/√hiddenSize, 1/√hiddenSize). */
  resetParameters(): void {
    resetRecurrentParameters(this.parameters(), this.hiddenSize);
  }

  /** One time step: `inputProjection` is x·W_ihᵀ + b_ih (and, for RNN and LSTM, + b_hh), gate-major [gates, batch, hidden]. */
  protected abstract step(inputProjection: Variable, state: StepState, parameters: DirectionParameters): StepState;

  /**
   * Checks `input` and the initial states and runs every layer and direction over the sequence;
   * returns the last layer's output and each layer's and direction's final states, in the input's layout.
   */
  protected run(input: Input, h0: Input | undefined, c0: Input | undefined): { output: Variable; hN: Variable; cN: Variable | null } {
    const name = this.constructor.name;
    const given = asVariable(input);
    if ((given.ndim !== 2 && given.ndim !== 3) || given.shape[given.ndim - 1] !== this.inputSize) {
      const layout = this.batchFirst ? '[batch, seq, inputSize]' : '[seq, batch, inputSize]';
      throw new Error(`${name}: expected an input of shape ${layout.replace('inputSize', String(this.inputSize))} or [seq, ${this.inputSize}] (unbatched), got ${formatShape(given.shape)}`);
    }
    const unbatched = given.ndim === 2;
    // The steps run along dim 0: [seq, batch, feature].
    const x = unbatched ? given.unsqueeze(1) : this.batchFirst ? given.transpose(0, 1) : given;
    const [length, batch] = x.shape as [number, number];
    if (length === 0) throw new Error(`${name}: the input ${formatShape(given.shape)} has no time steps`);
    const stateCount = this.numLayers * (this.bidirectional ? 2 : 1);
    const h = this.initialState(h0, 'h0', [stateCount, batch, this.outputSize], unbatched);
    const c = this.initialState(c0, 'c0', [stateCount, batch, this.hiddenSize], unbatched);

    let layerInput = x;
    const finals: StepState[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      if (layer > 0 && this.dropout > 0 && this.training) layerInput = dropout(layerInput, this.dropout, true);
      const outputs: Variable[] = [];
      for (let direction = 0; direction < (this.bidirectional ? 2 : 1); direction++) {
        const index = finals.length;
        const parameters = this.#directions[index] as DirectionParameters;
        const steps = unbindSteps(this.projectInput(layerInput, parameters));
        let state: StepState = {
          h: h?.select(0, index) ?? zeroState(x, batch, this.outputSize),
          c: c?.select(0, index) ?? (this.hasCellState ? zeroState(x, batch, this.hiddenSize) : null),
        };
        const hs = new Array<Variable>(length);
        for (let k = 0; k < length; k++) {
          const t = direction === 0 ? k : length - 1 - k;
          state = this.step(steps[t] as Variable, state, parameters);
          hs[t] = state.h;
        }
        finals.push(state);
        outputs.push(stack(hs));
      }
      layerInput = outputs.length === 1 ? (outputs[0] as Variable) : cat(outputs, 2);
    }
    const restore = (v: Variable): Variable => (unbatched ? v.squeeze(1) : this.batchFirst ? v.transpose(0, 1) : v);
    const unbatch = (v: Variable): Variable => (unbatched ? v.squeeze(1) : v);
    const hN = unbatch(stack(finals.map((s) => s.h)));
    const cN = finals[0]?.c ? unbatch(stack(finals.map((s) => s.c as Variable))) : null;
    return { output: restore(layerInput), hN, cN };
  }

  /**
   * x·W_ihᵀ + b_ih (+ b_hh) for every step in one matmul, laid out gate-major per step:
   * [seq, gates, batch, hiddenSize], so that each step's gates are dense blocks (one copy per layer).
   */
  private projectInput(x: Variable, { weightIh, biasIh, biasHh }: DirectionParameters): Variable {
    const [length, batch, features] = x.shape as [number, number, number];
    const product = x.reshape(length * batch, features).matmul(weightIh.transpose(0, 1));
    const bias = biasIh === null ? null : this.foldsHiddenBias && biasHh !== null ? biasIh.add(biasHh) : biasIh;
    const projection = bias === null ? product : product.add(bias);
    return projection.reshape(length, batch, this.gates, this.hiddenSize).permute(0, 2, 1, 3).contiguous();
  }

  /** h·W_hhᵀ (+ b_hh for GRU, whose b_hh is not folded into the input's projection), gate-major. */
  protected hiddenProjection(h: Variable, { weightHh, biasHh }: DirectionParameters): Variable {
    return gateMajorProjection(h, weightHh, this.foldsHiddenBias ? null : biasHh, this.gates);
  }

  /** A given initial state checked against `batched` ([layers·directions, batch, size]) as [that shape], or null. */
  private initialState(given: Input | undefined, what: string, batched: number[], unbatched: boolean): Variable | null {
    if (given === undefined) return null;
    const state = asVariable(given);
    const expected = unbatched ? [batched[0] as number, batched[2] as number] : batched;
    if (formatShape(state.shape) !== formatShape(expected)) {
      throw new Error(
        `${this.constructor.name}: expected ${what} of shape ${formatShape(expected)} ([numLayers·numDirections, ${unbatched ? '' : 'batch, '}size]) ` +
          `for the ${unbatched ? 'unbatched ' : ''}input, got ${formatShape(state.shape)}`,
      );
    }
    return unbatched ? state.unsqueeze(1) : state;
  }

  override extraRepr(): string {
    const settings = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.projSize > 0) settings.push(`projSize=${this.projSize}`);
    if (this.numLayers !== 1) settings.push(`numLayers=${this.numLayers}`);
    if (!this.bias) settings.push('bias=false');
    if (this.batchFirst) settings.push('batchFirst=true');
    if (this.dropout !== 0) settings.push(`dropout=${this.dropout}`);
    if (this.bidirectional) settings.push('bidirectional=true');
    return settings.join(', ');
  }
}

/**
 * A multi-layer Elman RNN, h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) (or relu), as
 * PyTorch's `nn.RNN`: `forward(input, h0?)` returns `[output, hN]`, with input [seq, batch,
 * inputSize] ([batch, seq, inputSize] with `batchFirst`, or an unbatched [seq, inputSize]), output
 * [seq, batch, numDirections·hiddenSize] and h0, hN [numLayers·numDirections, batch, hiddenSize].
 *
 * @example
 * const rnn = new RNN(10, 20, { numLayers: 2 });
 * const [output, hN] = rnn.forward(randn(5, 3, 10)); // [5, 3, 20] and [2, 3, 20]
 */
export class RNN extends RecurrentLayer {
  readonly nonlinearity: RnnNonlinearity;

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super(inputSize, hiddenSize, 1, options);
    this.nonlinearity = checkNonlinearity('RNN', options.nonlinearity ?? 'tanh');
  }

  forward(input: Input, h0?: Input): [output: Variable, hN: Variable] {
    const { output, hN } = this.run(input, h0, undefined);
    return [output, hN];
  }

  protected step(inputProjection: Variable, { h }: StepState, parameters: DirectionParameters): StepState {
    return { h: rnnUpdate(inputProjection, this.hiddenProjection(h, parameters), this.nonlinearity), c: null };
  }

  override extraRepr(): string {
    return `${super.extraRepr()}${this.nonlinearity === 'tanh' ? '' : `, nonlinearity=${this.nonlinearity}`}`;
  }
}

/**
 * A multi-layer long short-term memory, as PyTorch's `nn.LSTM`: `forward(input, [h0, c0]?)`
 * returns `[output, [hN, cN]]`, gates in PyTorch's order i, f, g, o. Shapes as RNN's; c0 and cN are
 * [numLayers·numDirections, batch, hiddenSize], and with `projSize` h0, hN and the output hold
 * projSize features per direction.
 *
 * @example
 * const lstm = new LSTM(10, 20, { numLayers: 2, batchFirst: true });
 * const [output, [hN, cN]] = lstm.forward(randn(3, 5, 10)); // [3, 5, 20], [2, 3, 20], [2, 3, 20]
 */
export class LSTM extends RecurrentLayer {
  protected override hasCellState = true;

  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super(inputSize, hiddenSize, 4, options, options.projSize ?? 0);
  }

  forward(input: Input, hx?: readonly [h0: Input, c0: Input]): [output: Variable, state: [hN: Variable, cN: Variable]] {
    const { output, hN, cN } = this.run(input, hx?.[0], hx?.[1]);
    return [output, [hN, cN as Variable]];
  }

  protected step(inputProjection: Variable, { h, c }: StepState, parameters: DirectionParameters): StepState {
    const [hNext, cNext] = lstmUpdate(inputProjection, this.hiddenProjection(h, parameters), c as Variable);
    const { weightHr } = parameters;
    return { h: weightHr === null ? hNext : hNext.matmul(weightHr.transpose(0, 1)), c: cNext };
  }
}

/**
 * A multi-layer gated recurrent unit, as PyTorch's `nn.GRU`: `forward(input, h0?)` returns
 * `[output, hN]`, gates in PyTorch's order r, z, n with n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)).
 * Shapes as RNN's.
 *
 * @example
 * const gru = new GRU(10, 20, { bidirectional: true });
 * const [output, hN] = gru.forward(randn(5, 3, 10)); // [5, 3, 40] and [2, 3, 20]
 */
export class GRU extends RecurrentLayer {
  protected override foldsHiddenBias = false;

  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super(inputSize, hiddenSize, 3, options);
  }

  forward(input: Input, h0?: Input): [output: Variable, hN: Variable] {
    const { output, hN } = this.run(input, h0, undefined);
    return [output, hN];
  }

  protected step(inputProjection: Variable, { h }: StepState, parameters: DirectionParameters): StepState {
    return { h: gruUpdate(inputProjection, this.hiddenProjection(h, parameters), h), c: null };
  }
}
