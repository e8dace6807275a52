import type { NodeProto } from '../proto/proto.js';
import type { HostTensor } from '../tensor-proto.js';
import { DEFAULT_DOMAINS } from './validate.js';

/**
 * What a floating-point initializer becomes in the imported Module, from how the graph reads it:
 * - `parameter`: data an op computes with (a Conv or Gemm weight, a MatMul operand, a bias added
 *   after a MatMul, a normalisation's scale, an embedding table, an LSTM's W, R and B), trained.
 * - `buffer`: state that is not trained but belongs to the model (BatchNormalization's running
 *   mean and variance, which training mode updates; an additive mask, whose infinities no
 *   optimizer could move): in the state dict, loadable, moved by `to()`.
 * - `constant`: read only as a setting (a shape, scales, clip bounds, a pad value) or not read at
 *   all: part of the graph, not of its state, as PyTorch's state_dict holds none of them.
 */
export type InitializerRole = 'parameter' | 'buffer' | 'constant';

/** Per op type, the inputs read as settings: numbers that shape the computation, never trained. */
const SETTING_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Clip: [1, 2],
  Pad: [1, 2, 3],
  Dropout: [1, 2],
  Pow: [1],
  ConstantOfShape: [0],
  Range: [0, 1, 2],
  Reshape: [1],
  Expand: [1],
  Tile: [1],
  Slice: [1, 2, 3, 4],
  Split: [1],
  Squeeze: [1],
  Unsqueeze: [1],
  ReduceSum: [1],
  ReduceMean: [1],
  ReduceMax: [1],
  ReduceMin: [1],
  ReduceSumSquare: [1],
  ReduceLogSum: [1],
  ReduceLogSumExp: [1],
  ReduceL1: [1],
  ReduceL2: [1],
  Shape: [0],
  Size: [0],
  Trilu: [1],
  Resize: [1, 2, 3],
  // A loss's class weights are chosen, not learned.
  NegativeLogLikelihoodLoss: [2],
  SoftmaxCrossEntropyLoss: [2],
};

/** Per op type, the inputs that are running statistics, which the op itself updates. */
const STATISTIC_INPUTS: Readonly<Record<string, readonly number[]>> = {
  BatchNormalization: [3, 4],
};

type Reading = 'data' | 'statistic' | 'setting';

function readingAt(node: NodeProto, index: number): Reading {
  const opType = DEFAULT_DOMAINS.has(node.domain ?? '') ? (node.opType ?? '') : '';
  if (STATISTIC_INPUTS[opType]?.includes(index)) return 'statistic';
  if (SETTING_INPUTS[opType]?.includes(index)) return 'setting';
  return 'data';
}

/** Whether `host` holds a value no optimizer could train (an infinity or NaN, as a mask's −∞). */
export function holdsNonFinite(host: HostTensor): boolean {
  for (const value of host.values) if (!Number.isFinite(Number(value))) return true;
  return false;
}

/**
 * The role of each of the floating initializers `names`, from how `nodes` read them: a parameter
 * where any node reads it as data, a buffer where it is only read as running statistics, a constant
 * where it is only read as a setting or not at all. (The model makes a parameter whose values are
 * not finite a buffer when it reads them: see `holdsNonFinite`.)
 */
export function initializerRoles(nodes: readonly NodeProto[], names: ReadonlySet<string>): Map<string, InitializerRole> {
  const readings = new Map<string, Set<Reading>>();
  for (const node of nodes) {
    (node.input ?? []).forEach((name, index) => {
      if (!names.has(name)) return;
      const seen = readings.get(name) ?? new Set<Reading>();
      seen.add(readingAt(node, index));
      readings.set(name, seen);
    });
  }
  const roles = new Map<string, InitializerRole>();
  for (const name of names) {
    const seen = readings.get(name) ?? new Set<Reading>();
    roles.set(name, seen.has('data') ? 'parameter' : seen.has('statistic') ? 'buffer' : 'constant');
  }
  return roles;
}
