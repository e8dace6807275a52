import { Variable } from '@kindling/autograd';
import { formatShape, zeros } from '@kindling/tensor';
import { uniform } from '../init.js';
import { Module } from '../module.js';
import { asVariable, Parameter, type Input } from '../parameter.js';
import type { ParameterFactory } from './affine-parameters.js';

/*
 * One time step of PyTorch's three recurrent units, shared by the cells (RNNCell, LSTMCell,
 * GRUCell) and the sequence layers (RNN, LSTM, GRU). A step takes the input's projection
 * (x·W_ihᵀ + b_ih, which the sequence layers compute for every step in one matmul) and the state;
 * its only matmul is the hidden state's. A state that is not given is zeros, as PyTorch's, and is
 * multiplied all the same, so that W_hh gets PyTorch's zero gradient rather than none.
 *
 * Projections are gate-major, [gates, batch, hidden]: each gate is then a dense block, which the
 * elementwise kernels of every backend take as it is (a gate sliced from [batch, gates·hidden]
 * is strided, and strided operands fall back to slower paths).
 */

/** The elementwise function of a plain RNN, as PyTorch's `nonlinearity`. */
export type RnnNonlinearity = 'tanh' | 'relu';

/**
 * x·Wᵀ + b for x [batch, in], W [gates·hidden, in] and b [gates·hidden], gate-major:
 * [gates, batch, hidden]. One 2-D matmul (the fastest shape on every backend) and one small
 * transposing copy. The weight's transpose is taken anew in each call on purpose: one transposed
 * view shared by every step would sum the steps' gradients in its strided layout (slow on some
 * backends), while each step's own view hands its gradient back in the parameter's dense layout.
 */
export function gateMajorProjection(x: Variable, weight: Variable, bias: Variable | null, gates: number): Variable {
  const projection = plus(x.matmul(weight.transpose(0, 1)), bias);
  const [batch, width] = projection.shape as [number, number];
  return projection.reshape(batch, gates, width / gates).permute(1, 0, 2).contiguous();
}

/** The gates of a gate-major projection, each a dense [batch, hidden] block. */
function gatesOf(projection: Variable): Variable[] {
  return Array.from({ length: projection.shape[0] as number }, (_, gate) => projection.select(0, gate));
}

function plus(a: Variable, b: Variable | null): Variable {
  return b === null ? a : a.add(b);
}

/** PyTorch's default state: zeros of [batch, size] in the dtype and on the device of `like`. */
export function zeroState(like: Variable, batch: number, size: number): Variable {
  return new Variable(zeros([batch, size], { dtype: like.dtype, device: like.device }));
}

/** h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh); the projections are [1, batch, hidden]. */
export function rnnUpdate(inputProjection: Variable, hiddenProj: Variable, nonlinearity: RnnNonlinearity): Variable {
  const preActivation = inputProjection.add(hiddenProj).squeeze(0);
  return nonlinearity === 'tanh' ? preActivation.tanh() : preActivation.relu();
}

/** PyTorch's LSTM with gates in the order i, f, g, o: c' = f·c + i·g, h' = o·tanh(c'). */
export function lstmUpdate(inputProjection: Variable, hiddenProj: Variable, c: Variable): [h: Variable, c: Variable] {
  const [i, f, g, o] = gatesOf(inputProjection.add(hiddenProj)) as [Variable, Variable, Variable, Variable];
  const cNext = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
  return [o.sigmoid().mul(cNext.tanh()), cNext];
}

/**
 * PyTorch's GRU with gates in the order r, z, n: n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)),
 * h' = (1 − z)·n + z·h, written n + z·(h − n). `hiddenProj` must hold b_hh (it sits inside r·(…)).
 */
export function gruUpdate(inputProjection: Variable, hiddenProj: Variable, h: Variable): Variable {
  // r and z are summed before they are split: two gates in one add.
  const [r, z] = gatesOf(inputProjection.narrow(0, 0, 2).add(hiddenProj.narrow(0, 0, 2)).sigmoid()) as [Variable, Variable];
  const n = inputProjection.select(0, 2).add(r.mul(hiddenProj.select(0, 2))).tanh();
  return n.add(z.mul(h.sub(n)));
}

/** A zero-filled parameter of `shape`, drawn later by `resetRecurrentParameters`. */
export function recurrentParameter(shape: number[], factory: ParameterFactory): Parameter {
  // Kept, like every parameter value, so that building a model inside a `tidy` does not free it.
  return new Parameter(zeros(shape, { dtype: factory.dtype ?? 'float32', device: factory.device }).keep());
}

/** PyTorch's init of every recurrent weight and bias: U(−1/√hidden, 1/√hidden), in parameter order. */
export function resetRecurrentParameters(parameters: readonly Parameter[], hiddenSize: number): void {
  const bound = hiddenSize > 0 ? 1 / Math.sqrt(hiddenSize) : 0;
  for (const parameter of parameters) uniform(parameter, -bound, bound);
}

/** Options of `new RNNCell(...)`, `new LSTMCell(...)` and `new GRUCell(...)`. */
export interface RecurrentCellOptions extends ParameterFactory {
  /** Whether to learn `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
}

export interface RNNCellOptions extends RecurrentCellOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: RnnNonlinearity;
}

/** What the three cells share: PyTorch's parameters `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` and the shape checks. */
abstract class RecurrentCell extends Module {
  readonly weight_ih: Parameter;
  readonly weight_hh: Parameter;
  readonly bias_ih: Parameter | null;
  readonly bias_hh: Parameter | null;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    private readonly gates: number,
    options: RecurrentCellOptions,
  ) {
    super();
    checkSizes(this.constructor.name, { inputSize, hiddenSize });
    const bias = options.bias ?? true;
    this.weight_ih = recurrentParameter([gates * hiddenSize, inputSize], options);
    this.weight_hh = recurrentParameter([gates * hiddenSize, hiddenSize], options);
    this.bias_ih = bias ? recurrentParameter([gates * hiddenSize], options) : null;
    this.bias_hh = bias ? recurrentParameter([gates * hiddenSize], options) : null;
    this.resetParameters();
  }

  /** Draws fresh initial values as PyTorch does: every parameter from U(−1/√hiddenSize, 1/√hiddenSize). */
  resetParameters(): void {
    resetRecurrentParameters(this.parameters(), this.hiddenSize);
  }

  /**
   * The input as [batch, inputSize] (an unbatched [inputSize] gains a batch of 1), its projection
   * x·W_ihᵀ + b_ih, and whether to drop the batch dim from the result.
   */
  protected project(input: Input): { x: Variable; projection: Variable; unbatched: boolean } {
    const given = asVariable(input);
    const name = this.constructor.name;
    if ((given.ndim !== 1 && given.ndim !== 2) || given.shape[given.ndim - 1] !== this.inputSize) {
      throw new Error(`${name}: expected an input of shape [batch, ${this.inputSize}] or [${this.inputSize}], got ${formatShape(given.shape)}`);
    }
    const unbatched = given.ndim === 1;
    const x = unbatched ? given.unsqueeze(0) : given;
    const projection = gateMajorProjection(x, this.weight_ih, this.bias_ih, this.gates);
    return { x, projection, unbatched };
  }

  /** A state as [batch, hiddenSize], checked against the input's batchedness and batch size; zeros when not given. */
  protected state(given: Input | undefined, what: string, x: Variable, unbatched: boolean): Variable {
    const batch = x.shape[0] as number;
    if (given === undefined) return zeroState(x, batch, this.hiddenSize);
    const h = asVariable(given);
    const expected = unbatched ? [this.hiddenSize] : [batch, this.hiddenSize];
    if (formatShape(h.shape) !== formatShape(expected)) {
      throw new Error(`${this.constructor.name}: expected ${what} of shape ${formatShape(expected)} for an input of ${unbatched ? 'one sample' : `batch ${batch}`}, got ${formatShape(h.shape)}`);
    }
    return unbatched ? h.unsqueeze(0) : h;
  }

  protected hiddenProjection(h: Variable): Variable {
    return gateMajorProjection(h, this.weight_hh, this.bias_hh, this.gates);
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias_ih === null ? ', bias=false' : ''}`;
  }
}

function unbatch(v: Variable, unbatched: boolean): Variable {
  return unbatched ? v.squeeze(0) : v;
}

/** Checks that each size is a non-negative integer, naming the layer and the size. */
export function checkSizes(layer: string, sizes: Record<string, number>): void {
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${layer}: ${name} must be a non-negative integer, got ${value}`);
  }
}

/**
 * An Elman RNN cell, h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or relu), as PyTorch's
 * `nn.RNNCell`: `forward(input, hx?)` with input [batch, inputSize] or [inputSize] and hx of the
 * matching [batch, hiddenSize] or [hiddenSize] (zeros when omitted).
 *
 * @example
 * const cell = new RNNCell(10, 20);
 * cell.forward(randn(3, 10)).shape; // [3, 20]
 */
export class RNNCell extends RecurrentCell {
  readonly nonlinearity: RnnNonlinearity;

  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    super(inputSize, hiddenSize, 1, options);
    this.nonlinearity = checkNonlinearity('RNNCell', options.nonlinearity ?? 'tanh');
  }

  forward(input: Input, hx?: Input): Variable {
    const { x, projection, unbatched } = this.project(input);
    const h = this.state(hx, 'hx', x, unbatched);
    return unbatch(rnnUpdate(projection, this.hiddenProjection(h), this.nonlinearity), unbatched);
  }

  override extraRepr(): string {
    return `${super.extraRepr()}${this.nonlinearity === 'tanh' ? '' : `, nonlinearity=${this.nonlinearity}`}`;
  }
}

export function checkNonlinearity(layer: string, nonlinearity: string): RnnNonlinearity {
  if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new Error(`${layer}: nonlinearity must be 'tanh' or 'relu', got '${nonlinearity}'`);
  return nonlinearity;
}

/**
 * A long short-term memory cell, as PyTorch's `nn.LSTMCell`: `forward(input, [h, c]?)` returns
 * `[h', c']`, with the gates in PyTorch's order i, f, g, o in the rows of `weight_ih` and `weight_hh`.
 *
 * @example
 * const cell = new LSTMCell(10, 20);
 * const [h, c] = cell.forward(randn(3, 10)); // each [3, 20]
 */
export class LSTMCell extends RecurrentCell {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentCellOptions = {}) {
    super(inputSize, hiddenSize, 4, options);
  }

  forward(input: Input, hx?: readonly [Input, Input]): [h: Variable, c: Variable] {
    const { x, projection, unbatched } = this.project(input);
    const h = this.state(hx?.[0], 'h', x, unbatched);
    const c = this.state(hx?.[1], 'c', x, unbatched);
    const [hNext, cNext] = lstmUpdate(projection, this.hiddenProjection(h), c);
    return [unbatch(hNext, unbatched), unbatch(cNext, unbatched)];
  }
}

/**
 * A gated recurrent unit cell, as PyTorch's `nn.GRUCell`: gates r, z, n in that order, with
 * n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)) and h' = (1 − z)·n + z·h.
 *
 * @example
 * const cell = new GRUCell(10, 20);
 * cell.forward(randn(3, 10), randn(3, 20)).shape; // [3, 20]
 */
export class GRUCell extends RecurrentCell {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentCellOptions = {}) {
    super(inputSize, hiddenSize, 3, options);
  }

  forward(input: Input, hx?: Input): Variable {
    const { x, projection, unbatched } = this.project(input);
    const h = this.state(hx, 'hx', x, unbatched);
    return unbatch(gruUpdate(projection, this.hiddenProjection(h), h), unbatched);
  }
}
