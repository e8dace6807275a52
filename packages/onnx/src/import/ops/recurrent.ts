import { stack, Variable } from '@kindling/autograd';
import { zeros } from '@kindling/tensor';
import type { Attributes } from '../attributes.js';
import { expectOneOf, input, inputNumbers, unsupported, type NodeContext, type OnnxOp, type OpTable } from '../op-types.js';

/*
 * ONNX's recurrent ops (LSTM, GRU, RNN), composed from differentiable matmuls and elementwise ops:
 * one matmul projects every step's input at once, then each step adds the recurrent matmul and
 * applies the gates. W is [directions, gates·hidden, input], R [directions, gates·hidden, hidden]
 * and B [directions, 2·gates·hidden] (W's bias, then R's), gates in ONNX's order: LSTM i, o, f, c;
 * GRU z, r, h. Y is [seq, directions, batch, hidden], Y_h and Y_c [directions, batch, hidden]
 * (batch first with layout=1).
 */

type Activation = (x: Variable) => Variable;

const ACTIVATIONS: Readonly<Record<string, Activation>> = {
  Sigmoid: (x) => x.sigmoid(),
  Tanh: (x) => x.tanh(),
  Relu: (x) => x.relu(),
};

interface Cell {
  /** How many gate blocks W, R and B stack (LSTM 4, GRU 3, RNN 1). */
  readonly gates: number;
  /** The activations of one direction when the node names none. */
  readonly defaultActivations: readonly string[];
}

const CELLS: Readonly<Record<string, Cell>> = {
  LSTM: { gates: 4, defaultActivations: ['Sigmoid', 'Tanh', 'Tanh'] },
  GRU: { gates: 3, defaultActivations: ['Sigmoid', 'Tanh'] },
  RNN: { gates: 1, defaultActivations: ['Tanh'] },
};

/** One direction's weights and starting state, and what its steps need. */
interface Direction {
  /** Every step's input projection plus W's bias: [seq, batch, gates·hidden]. */
  readonly projected: Variable;
  /** Rᵀ: [hidden, gates·hidden]. */
  readonly recurrentT: Variable;
  /** R's bias: [gates·hidden]. */
  readonly recurrentBias: Variable;
  readonly activations: readonly Activation[];
  /** LSTM's peepholes (i, o, f), each [hidden], when given. */
  readonly peepholes: readonly Variable[] | undefined;
  h: Variable;
  c: Variable | undefined;
}

function gate(v: Variable, index: number, hidden: number): Variable {
  return v.narrow(-1, index * hidden, hidden);
}

/** One LSTM step: i, o, f, c gates; the peepholes (when given) read the cell state. */
function lstmStep(dir: Direction, x: Variable, hidden: number): void {
  const [f, g, h] = dir.activations as [Activation, Activation, Activation];
  const gates = x.add(dir.h.matmul(dir.recurrentT)).add(dir.recurrentBias);
  const c = dir.c as Variable;
  const peep = (i: number, state: Variable, pre: Variable): Variable => (dir.peepholes ? pre.add(state.mul(dir.peepholes[i] as Variable)) : pre);
  const inputGate = f(peep(0, c, gate(gates, 0, hidden)));
  const forgetGate = f(peep(2, c, gate(gates, 2, hidden)));
  const cell = forgetGate.mul(c).add(inputGate.mul(g(gate(gates, 3, hidden))));
  const outputGate = f(peep(1, cell, gate(gates, 1, hidden)));
  dir.c = cell;
  dir.h = outputGate.mul(h(cell));
}

/** One GRU step: z, r, h gates; with linear_before_reset the reset gate scales R·h + Rb rather than h. */
function gruStep(dir: Direction, x: Variable, hidden: number, linearBeforeReset: boolean): void {
  const [f, g] = dir.activations as [Activation, Activation];
  const rT = dir.recurrentT;
  const recurrent = (i: number, state: Variable): Variable => state.matmul(gate(rT, i, hidden)).add(gate(dir.recurrentBias, i, hidden));
  const update = f(gate(x, 0, hidden).add(recurrent(0, dir.h)));
  const reset = f(gate(x, 1, hidden).add(recurrent(1, dir.h)));
  const candidateRecurrent = linearBeforeReset ? reset.mul(recurrent(2, dir.h)) : recurrent(2, reset.mul(dir.h));
  const candidate = g(gate(x, 2, hidden).add(candidateRecurrent));
  dir.h = update.neg().add(1).mul(candidate).add(update.mul(dir.h));
}

function rnnStep(dir: Direction, x: Variable): void {
  dir.h = (dir.activations[0] as Activation)(x.add(dir.h.matmul(dir.recurrentT)).add(dir.recurrentBias));
}

function expectShape(ctx: NodeContext, what: string, actual: readonly number[], expected: readonly number[]): void {
  if (actual.length === expected.length && actual.every((d, i) => d === expected[i])) return;
  throw new Error(`${ctx.where}: ${what} has shape [${actual.join(', ')}], expected [${expected.join(', ')}] (from X, hidden_size and direction); the file is inconsistent, export it again`);
}

function activationsOf(ctx: NodeContext, cell: Cell, directions: number): Activation[][] {
  const named = ctx.attrs.strings('activations') ?? [];
  const perDirection = cell.defaultActivations.length;
  return Array.from({ length: directions }, (_, d) =>
    cell.defaultActivations.map((fallback, i) => ACTIVATIONS[named[d * perDirection + i] ?? fallback] as Activation),
  );
}

function recurrent(ctx: NodeContext): Variable[] {
  const cell = CELLS[ctx.opType] as Cell;
  const hidden = ctx.attrs.int('hidden_size') ?? (input(ctx, 2).shape[2] as number);
  const batchFirst = ctx.attrs.int('layout', 0) === 1;
  const x = batchFirst ? input(ctx, 0).transpose(0, 1) : input(ctx, 0);
  const [steps, batch, features] = x.shape as [number, number, number];
  const direction = ctx.attrs.string('direction', 'forward');
  const directions = direction === 'bidirectional' ? 2 : 1;
  const width = cell.gates * (hidden);
  const w = input(ctx, 1);
  const r = input(ctx, 2);
  expectShape(ctx, `W (input 1, '${ctx.inputs[1]?.name}')`, w.shape, [directions, width, features]);
  expectShape(ctx, `R (input 2, '${ctx.inputs[2]?.name}')`, r.shape, [directions, width, hidden]);
  const lengths = inputNumbers(ctx, 4, 'sequence_lens');
  if (lengths?.some((length) => length !== steps)) {
    throw unsupported(ctx.where, `${ctx.opType} sequence_lens`, `sequence_lens shorter than the sequence (${steps} steps) are not supported (supported: every sequence the full length); pad the batch or run the sequences separately`);
  }
  const b = ctx.inputs[3]?.variable ?? new Variable(zeros([directions, 2 * width], { dtype: x.dtype, device: x.device }));
  expectShape(ctx, `B (input 3, '${ctx.inputs[3]?.name}')`, b.shape, [directions, 2 * width]);
  const state = (i: number): Variable | undefined => {
    const given = ctx.inputs[i]?.variable;
    return given !== undefined && batchFirst ? given.transpose(0, 1) : given;
  };
  const initialH = state(5);
  const initialC = ctx.opType === 'LSTM' ? state(6) : undefined;
  const peepholes = ctx.opType === 'LSTM' ? ctx.inputs[7]?.variable : undefined;
  const start = new Variable(zeros([batch, hidden], { dtype: x.dtype, device: x.device }));
  const activations = activationsOf(ctx, cell, directions);
  const flatSteps = x.reshape([steps * batch, features]);
  const outputs = Array.from({ length: directions }, (_, d) => {
    const wd = w.select(0, d);
    const bd = b.select(0, d);
    const dir: Direction = {
      projected: flatSteps.matmul(wd.transpose(0, 1)).add(bd.narrow(0, 0, width)).reshape([steps, batch, width]),
      recurrentT: r.select(0, d).transpose(0, 1),
      recurrentBias: bd.narrow(0, width, width),
      activations: activations[d] as Activation[],
      peepholes: peepholes === undefined ? undefined : [0, 1, 2].map((i) => peepholes.select(0, d).narrow(0, i * (hidden), hidden)),
      h: initialH?.select(0, d) ?? start,
      c: ctx.opType === 'LSTM' ? (initialC?.select(0, d) ?? start) : undefined,
    };
    const reverse = direction === 'reverse' || d === 1;
    const ys: Variable[] = Array<Variable>(steps);
    for (let k = 0; k < steps; k++) {
      const t = reverse ? steps - 1 - k : k;
      const xt = dir.projected.select(0, t);
      if (ctx.opType === 'LSTM') lstmStep(dir, xt, hidden);
      else if (ctx.opType === 'GRU') gruStep(dir, xt, hidden, ctx.attrs.int('linear_before_reset', 0) === 1);
      else rnnStep(dir, xt);
      ys[t] = dir.h;
    }
    return { y: stack(ys, 0), h: dir.h, c: dir.c };
  });
  const y = stack(outputs.map((o) => o.y), 1);
  const yH = stack(outputs.map((o) => o.h), 0);
  const results = [batchFirst ? y.permute(2, 0, 1, 3) : y, batchFirst ? yH.transpose(0, 1) : yH];
  if (ctx.opType === 'LSTM') {
    const yC = stack(outputs.map((o) => o.c as Variable), 0);
    results.push(batchFirst ? yC.transpose(0, 1) : yC);
  }
  return results;
}

function checkRecurrent(opType: string, attrs: Attributes, node: { where: string }): void {
  expectOneOf(node.where, opType, 'direction', attrs.string('direction', 'forward'), ['forward', 'reverse', 'bidirectional']);
  for (const name of attrs.strings('activations') ?? []) expectOneOf(node.where, opType, 'activations', name, Object.keys(ACTIVATIONS));
  if (attrs.has('clip')) throw unsupported(node.where, `${opType} clip`, 'the clip attribute (clipping the gates before their activations) is not supported; export without it');
  if (attrs.int('input_forget', 0) !== 0) throw unsupported(node.where, `${opType} input_forget`, 'input_forget=1 (coupled input and forget gates) is not supported (supported: 0)');
  for (const name of ['activation_alpha', 'activation_beta']) {
    if (attrs.has(name)) throw unsupported(node.where, `${opType} ${name}`, `${name} is not supported: the supported activations (${Object.keys(ACTIVATIONS).join(', ')}) take no parameters`);
  }
}

function recurrentOp(opType: string, extra: readonly string[]): OnnxOp {
  return {
    attributes: ['activation_alpha', 'activation_beta', 'activations', 'clip', 'direction', 'hidden_size', 'layout', ...extra],
    check: (attrs, node) => checkRecurrent(opType, attrs, node),
    run: recurrent,
  };
}

export const recurrentOps: OpTable = {
  LSTM: recurrentOp('LSTM', ['input_forget']),
  GRU: recurrentOp('GRU', ['linear_before_reset']),
  RNN: recurrentOp('RNN', []),
};
