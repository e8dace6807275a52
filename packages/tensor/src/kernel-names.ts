import type { Storage, View } from './backend.js';
import type { DType } from './dtype.js';
import type { BinaryOp, CompareOp, UnaryOp } from './ops/elementwise-ops.js';
import type { Shape } from './shape.js';

export type { BinaryOp, CompareOp, UnaryOp } from './ops/elementwise-ops.js';

/*
 * Every kernel a backend implements, named once. Ops in ops/*, kernels in backends/*, and gradient
 * rules in @kindling/autograd all key off these names. Kernels write a fresh contiguous output
 * storage; the op layer has already checked shapes, broadcast inputs (stride-0 views) and
 * promoted dtypes, so a kernel never validates user input.
 */

export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';
export type ArgReduceOp = 'argmax' | 'argmin';
/** How per-row losses become the result: all of them ('none'), their sum, or their mean over the rows not ignored. */
export type LossReduction = 'none' | 'sum' | 'mean';

/** What the `Random` kernel draws: uniform in [0, 1), standard normal, or integers in [low, high). */
export type RandomDistribution = { readonly kind: 'uniform' } | { readonly kind: 'normal' } | { readonly kind: 'integer'; readonly low: number; readonly high: number };

/**
 * One call's stream of Philox4x32-10: the generator's 64-bit `key` (two uint32 words) and the
 * call's `offset` (a safe integer, each call's own), from which every backend draws the same bits.
 */
export interface RandomStream {
  readonly key: readonly [number, number];
  readonly offset: number;
}

export interface KernelArgs<S extends Storage = Storage> {
  /** A contiguous tensor of `size` elements all equal to `value`. */
  Fill: { size: number; value: number; dtype: DType };
  /**
   * `size` random values of `dtype` from Philox4x32-10: element i takes word i mod 4 of the block
   * for counter [⌊i/4⌋, 0, offset mod 2³², ⌊offset / 2³²⌋] under `key`. Uniform values are the word's
   * top 24 bits / 2²⁴; normal values pair words (0, 1) and (2, 3) of a block by Box-Muller (the
   * first as the radius's uniform, 1 − its top 24 bits / 2²⁴; cos for the even element, sin for the
   * odd); integers are low + ⌊word · (high − low) / 2³²⌋.
   */
  Random: { size: number; dtype: DType; distribution: RandomDistribution; stream: RandomStream };
  /** Copies a (possibly strided or broadcast) view into contiguous storage. */
  Contiguous: { x: View<S> };
  /** Converts elements to `dtype` (float to int truncates toward zero; nonzero becomes true). */
  Cast: { x: View<S>; dtype: DType };
  /** Elementwise on a floating-point view; the output has the view's shape and dtype. */
  Unary: { x: View<S>; op: UnaryOp };
  /** `a` and `b` share the output shape and dtype (broadcast and promoted by the op layer). */
  Binary: { a: View<S>; b: View<S>; op: BinaryOp };
  /** Like Binary but writes bool. */
  Compare: { a: View<S>; b: View<S>; op: CompareOp };
  /** `condition` is bool; `a`, `b` share the output shape and dtype. */
  Where: { condition: View<S>; a: View<S>; b: View<S> };
  /**
   * Batched matmul: `a` is [...batch, m, k], `b` is [...batch, k, n], with identical (already
   * broadcast) batch dims and any strides, so transposed operands need no copy.
   */
  MatMul: { a: View<S>; b: View<S> };
  /** Reduces the listed dims (sorted, non-empty); the output drops them (keepdim is a view). */
  Reduce: { x: View<S>; dims: readonly number[]; op: ReduceOp };
  /** int32 index of the first extreme along `dim`; the output drops `dim`. */
  ArgReduce: { x: View<S>; dim: number; op: ArgReduceOp };
  /** Softmax or log-softmax along `dim`, computed stably (max subtracted first). */
  Softmax: { x: View<S>; dim: number; log: boolean };
  /**
   * torch.gather: out[i][j] = x[index[i][j]][j] for dim 0; `index` is int32 with the output shape
   * (any strides: indexSelect passes a 1-D index expanded along `dim` with stride 0 elsewhere).
   */
  Gather: { x: View<S>; index: View<S>; dim: number };
  /** out = copy of `base`, then out[index[i][j]][j] += src[i][j] for dim 0 (torch.scatter_add; indexAdd passes an expanded index). */
  ScatterAdd: { base: View<S>; index: View<S>; src: View<S>; dim: number };
  /** int32 one-hot rows: output shape is [...indices.shape, numClasses]. */
  OneHot: { indices: View<S>; numClasses: number };
  /**
   * The lower (`upper` false: column ≤ row + `diagonal`) or upper (column ≥ row + `diagonal`)
   * triangle of the matrices in `x`'s last two dims; the other elements are 0 (torch.tril / triu).
   */
  Triangle: { x: View<S>; diagonal: number; upper: boolean };
  /**
   * int32 positions along `dim` that sort each line of `x` (ascending, or `descending`), stably:
   * equal elements keep their order, and NaN counts as larger than every number (torch.sort).
   */
  Argsort: { x: View<S>; dim: number; descending: boolean };
  /** Running sums along `dim` (from the end backwards with `reverse`), in `x`'s dtype; same shape. */
  Cumsum: { x: View<S>; dim: number; reverse: boolean };
  /** Joins views of one dtype along `dim`; all other dims match. */
  Concat: { inputs: readonly View<S>[]; dim: number; outShape: Shape };
  /**
   * Softmax cross-entropy of each row of the floating [n, c] `logits` against the int32 class
   * indices `target` [n] (in range, or `ignoreIndex`): logsumexp(logits[i]) − logits[i][target[i]],
   * and 0 for rows whose target is `ignoreIndex`. 'none' writes the n losses; 'sum' their sum and
   * 'mean' their sum over the number of rows not ignored (NaN when every row is), each 0-d.
   */
  CrossEntropy: { logits: View<S>; target: View<S>; ignoreIndex: number; reduction: LossReduction };
  /**
   * CrossEntropy's gradient with respect to `logits`, [n, c]: row i is
   * g_i · (softmax(logits[i]) − onehot(target[i])), and zero for ignored rows. g_i is
   * `gradOutput[i]` ([n]) for 'none', the 0-d `gradOutput` for 'sum', and that divided by the number
   * of rows not ignored for 'mean'.
   */
  CrossEntropyGrad: { logits: View<S>; target: View<S>; gradOutput: View<S>; ignoreIndex: number; reduction: LossReduction };
  /**
   * One Adam or AdamW update, in place on the contiguous `param`, `expAvg` and `expAvgSq` (and
   * `maxExpAvgSq` with amsgrad), following torch.optim.Adam's single-tensor algorithm exactly.
   */
  AdamStep: { param: S; grad: View<S>; expAvg: S; expAvgSq: S; maxExpAvgSq: S | null; hyper: AdamHyperparameters };
  /** One SGD update, in place on `param` and `momentumBuffer`, as torch.optim.SGD. */
  SgdStep: { param: S; grad: View<S>; momentumBuffer: S | null; hyper: SgdHyperparameters };
  /** One Adadelta update, in place on `param`, `squareAvg` and `accDelta`, as torch.optim.Adadelta's single-tensor algorithm. */
  AdadeltaStep: { param: S; grad: View<S>; squareAvg: S; accDelta: S; hyper: AdadeltaHyperparameters };
  /**
   * One RMSprop update, in place on `param` and `squareAvg`, as torch.optim.RMSprop's single-tensor
   * algorithm: `gradAvg` is present when centered, `momentumBuffer` when momentum is on.
   */
  RmspropStep: { param: S; grad: View<S>; squareAvg: S; gradAvg: S | null; momentumBuffer: S | null; hyper: RmspropHyperparameters };
  /** One Adagrad update (dense gradient), in place on `param` and `sum`, as torch.optim.Adagrad's single-tensor algorithm. */
  AdagradStep: { param: S; grad: View<S>; sum: S; hyper: AdagradHyperparameters };
  /**
   * Writes `source` (same dtype, already broadcast to `target`'s shape) into the elements of the
   * strided `target` view, in place. The op layer makes sure no two elements of `target` share a
   * position and that `source` does not overlap it.
   */
  Assign: { target: View<S>; source: View<S> };
  /**
   * im2col of the floating [N, C, H, W] `x`: every window as a column, [N, C, kH·kW, oH·oW], the taps
   * ordered as a [kH, kW] weight flattens; positions outside `x` read 0.
   */
  Im2Col: { x: View<S>; windows: Windows2d };
  /** col2im, Im2Col's adjoint: sums each column entry of `columns` [N, C, kH·kW, oH·oW] back into the [N, C, H, W] position it was read from. */
  Col2Im: { columns: View<S>; windows: Windows2d; height: number; width: number };
  /** The largest entry of each window of the floating [N, C, H, W] `x`: [N, C, oH, oW] (positions outside `x` never win; a NaN does, as PyTorch). */
  MaxPool2d: { x: View<S>; windows: Windows2d };
  /** MaxPool2d's gradient: each entry of `gradOutput` [N, C, oH, oW] added at the position of its window's maximum in `x`, [N, C, H, W]. */
  MaxPool2dGrad: { x: View<S>; gradOutput: View<S>; windows: Windows2d };
}

/** Where the windows of a 2-D sliding-window op fall along one spatial axis. */
export interface WindowAxis {
  /** The taps per window. */
  readonly kernel: number;
  /** The step between windows. */
  readonly stride: number;
  /** The spacing between taps. */
  readonly dilation: number;
  /** Padding before the first position (top or left); the padding after is implied by `outSize`. */
  readonly padBefore: number;
  /** The number of windows. */
  readonly outSize: number;
}

/** The windows of a 2-D sliding-window op: along the height, then the width. */
export interface Windows2d {
  readonly height: WindowAxis;
  readonly width: WindowAxis;
}

export interface AdamHyperparameters {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW: decay the parameter directly instead of adding `weightDecay * param` to the gradient. */
  decoupledWeightDecay: boolean;
  /** The 1-based step count, for bias correction. */
  step: number;
}

export interface SgdHyperparameters {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** The momentum buffer is initialised to the gradient on the first step rather than decayed. */
  firstStep: boolean;
}

export interface AdadeltaHyperparameters {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  /** Ascend the gradient: the update uses `-grad`. */
  maximize: boolean;
}

export interface RmspropHyperparameters {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  /** Used only with a momentum buffer. */
  momentum: number;
  /** Ascend the gradient: the update uses `-grad`. */
  maximize: boolean;
}

export interface AdagradHyperparameters {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  eps: number;
  /** Ascend the gradient: the update uses `-grad`. */
  maximize: boolean;
  /** The 1-based step count: the step uses `lr / (1 + (step - 1) * lrDecay)`. */
  step: number;
}

/** The learning rate of Adagrad's update number `step`: PyTorch's `clr`, in float64 on the host for every backend. */
export function adagradStepSize({ lr, lrDecay, step }: AdagradHyperparameters): number {
  return lr / (1 + (step - 1) * lrDecay);
}

export type KernelName = keyof KernelArgs;

/** Kernels that update existing storages instead of producing a new one. */
export type InPlaceKernelName = 'AdamStep' | 'SgdStep' | 'AdadeltaStep' | 'RmspropStep' | 'AdagradStep' | 'Assign';

/** What a kernel returns: a fresh output storage, or nothing for in-place kernels. */
export type KernelResult<K extends KernelName, S extends Storage> = K extends InPlaceKernelName ? void : S;

/**
 * Whether each kernel writes a new storage or updates its inputs in place. A record keyed by every
 * `KernelName`, typed by `InPlaceKernelName`, so it can neither leave a kernel out nor disagree
 * with the type about which kernels are in place.
 */
const KERNEL_KINDS: { readonly [K in KernelName]: K extends InPlaceKernelName ? 'in-place' : 'produces' } = {
  Fill: 'produces',
  Random: 'produces',
  Contiguous: 'produces',
  Cast: 'produces',
  Unary: 'produces',
  Binary: 'produces',
  Compare: 'produces',
  Where: 'produces',
  MatMul: 'produces',
  Reduce: 'produces',
  ArgReduce: 'produces',
  Softmax: 'produces',
  Gather: 'produces',
  ScatterAdd: 'produces',
  OneHot: 'produces',
  Concat: 'produces',
  Triangle: 'produces',
  Cumsum: 'produces',
  Argsort: 'produces',
  CrossEntropy: 'produces',
  CrossEntropyGrad: 'produces',
  AdamStep: 'in-place',
  SgdStep: 'in-place',
  AdadeltaStep: 'in-place',
  RmspropStep: 'in-place',
  AdagradStep: 'in-place',
  Assign: 'in-place',
  Im2Col: 'produces',
  Col2Im: 'produces',
  MaxPool2d: 'produces',
  MaxPool2dGrad: 'produces',
};

/** The kernel names as values, for iteration and for coverage checks. */
export const KERNEL_NAMES: readonly KernelName[] = Object.keys(KERNEL_KINDS) as KernelName[];

export function isInPlaceKernel(name: KernelName): name is InPlaceKernelName {
  return KERNEL_KINDS[name] === 'in-place';
}

/**
 * The arguments each in-place kernel writes: their storages' contents change, which a graph that
 * saved them for backward must notice (see engine.ts's write versions).
 */
export const WRITTEN_ARGUMENTS: { readonly [K in InPlaceKernelName]: readonly (keyof KernelArgs[K])[] } = {
  AdamStep: ['param', 'expAvg', 'expAvgSq', 'maxExpAvgSq'],
  SgdStep: ['param', 'momentumBuffer'],
  AdadeltaStep: ['param', 'squareAvg', 'accDelta'],
  RmspropStep: ['param', 'squareAvg', 'gradAvg', 'momentumBuffer'],
  AdagradStep: ['param', 'sum'],
  Assign: ['target'],
};
