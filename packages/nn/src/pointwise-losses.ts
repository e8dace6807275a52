import type { Variable } from '@kindling/autograd';
import { broadcastShapes, formatShape, unobservedRead, type Shape } from '@kindling/tensor';
import { reduceLosses, type LossReduction } from './loss-support.js';
import { asVariable, type Input } from './parameter.js';

/*
 * Losses that compare an input with a target of the same shape element by element, then reduce.
 * Each is a composition of autograd's differentiable ops, so it runs on every backend (webgpu
 * included) and its gradient comes from their rules.
 */

/** Options of the losses that only reduce. */
export interface ReductionOptions {
  /** 'mean' (default) over every element, 'sum', or 'none' for the elementwise losses. */
  reduction?: LossReduction;
}

export interface BinaryCrossEntropyOptions extends ReductionOptions {
  /** A rescaling of each element's loss, broadcast to the input's shape (PyTorch's `weight`). */
  weight?: Input;
}

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** The weight of the positive term, broadcast along the input's last dims, usually one per class [C] (PyTorch's `pos_weight`). */
  posWeight?: Input;
}

export interface SmoothL1LossOptions extends ReductionOptions {
  /** Below |input − target| = beta the loss is quadratic, above it linear (default 1; 0 gives the L1 loss). */
  beta?: number;
}

export interface HuberLossOptions extends ReductionOptions {
  /** Below |input − target| = delta the loss is quadratic, above it linear with slope delta (default 1, must be > 0). */
  delta?: number;
}

/** KLDiv's reductions: 'batchmean' sums and divides by the batch size, the mathematically right KL divergence. */
export type KlDivReduction = LossReduction | 'batchmean';

export interface KlDivOptions {
  /** 'mean' (default, over every element as PyTorch does), 'batchmean', 'sum' or 'none'. */
  reduction?: KlDivReduction;
  /** Whether `target` holds log-probabilities instead of probabilities (default false). */
  logTarget?: boolean;
}

// PyTorch clamps BCE's logarithms at -100 so that a probability of exactly 0 or 1 gives a finite loss.
const LOG_FLOOR = -100;

/** The input and target as Variables, after checking that they have one shape. */
function sameShape(input: Input, target: Input, opName: string): [Variable, Variable] {
  const x = asVariable(input);
  const y = asVariable(target);
  if (formatShape(x.shape) !== formatShape(y.shape)) {
    // Broadcasting here would turn an [N, 1] input against an [N] target into an [N, N] loss without a word.
    throw new Error(`${opName}: the input has shape ${formatShape(x.shape)} but the target has shape ${formatShape(y.shape)}; they must match`);
  }
  return [x, y];
}

/** A per-element weight, which must broadcast to `shape` without enlarging it. */
function checkedWeight(weight: Input, shape: Shape, opName: string, optionName: string): Variable {
  const w = asVariable(weight);
  const broadcast = broadcastShapes(w.shape, shape, opName);
  if (formatShape(broadcast) !== formatShape(shape)) {
    throw new Error(`${opName}: ${optionName} of shape ${formatShape(w.shape)} does not broadcast to the input's shape ${formatShape(shape)}`);
  }
  return w;
}

/** log(v) floored at -100, with no NaN gradient where v is 0 (the floored branch has none). */
function flooredLog(v: Variable): Variable {
  const nonzero = v.ne(0);
  return v.where(nonzero, 1).log().clamp(LOG_FLOOR).where(nonzero, LOG_FLOOR);
}

/**
 * BCE's input must hold probabilities. A synchronous backend checks every value, as PyTorch does;
 * on an asynchronous one a value outside [0, 1] gives NaN (the log of a negative number).
 */
function checkProbabilities(x: Variable, opName: string): void {
  if (!x.data.backend.readSync) return;
  for (const p of unobservedRead(() => x.data.dataSync())) {
    if (!(p >= 0 && p <= 1)) {
      throw new RangeError(`${opName}: every input must be a probability in [0, 1], got ${p}; pass logits to binaryCrossEntropyWithLogits instead`);
    }
  }
}

/**
 * The binary cross-entropy between probabilities `input` and targets in [0, 1] of the same shape, as
 * `F.binary_cross_entropy`: −weight·(y·log x + (1 − y)·log(1 − x)), each log floored at -100 as
 * PyTorch does. Where x is exactly 0 or 1 the floored term has gradient 0 (PyTorch's is
 * ±1e12·weight); feed logits to `binaryCrossEntropyWithLogits` instead to keep the gradient.
 *
 * @example
 * const loss = F.binaryCrossEntropy(net.forward(x).sigmoid(), labels);
 */
export function binaryCrossEntropy(input: Input, target: Input, options: BinaryCrossEntropyOptions = {}): Variable {
  const [x, y] = sameShape(input, target, 'binaryCrossEntropy');
  checkProbabilities(x, 'binaryCrossEntropy');
  const logLikelihood = y.mul(flooredLog(x)).add(y.neg().add(1).mul(flooredLog(x.neg().add(1))));
  let losses = logLikelihood.neg();
  if (options.weight !== undefined) losses = losses.mul(checkedWeight(options.weight, x.shape, 'binaryCrossEntropy', 'weight'));
  return reduceLosses(losses, options.reduction ?? 'mean', undefined, 'binaryCrossEntropy');
}

/**
 * Binary cross-entropy on logits (a sigmoid and `binaryCrossEntropy` in one), as
 * `F.binary_cross_entropy_with_logits`: (1 − y)·x + (1 + (posWeight − 1)·y)·log(1 + e^−x), times
 * `weight`. Stable for any logit: log(1 + e^−x) is m + log(e^−m + e^(−x−m)) with m = max(−x, 0), so
 * no exponential overflows, and its gradient is σ(x) − 1 at every x, 0 included.
 *
 * @example
 * const loss = F.binaryCrossEntropyWithLogits(net.forward(x), labels, { posWeight: tensor([3]) });
 */
export function binaryCrossEntropyWithLogits(input: Input, target: Input, options: BinaryCrossEntropyWithLogitsOptions = {}): Variable {
  const opName = 'binaryCrossEntropyWithLogits';
  const [x, y] = sameShape(input, target, opName);
  const shift = x.neg().relu();
  const softplusOfNegative = shift.add(shift.neg().exp().add(x.neg().sub(shift).exp()).log());
  const positiveScale = options.posWeight === undefined ? 1 : checkedWeight(options.posWeight, x.shape, opName, 'posWeight').sub(1).mul(y).add(1);
  let losses = y.neg().add(1).mul(x).add(softplusOfNegative.mul(positiveScale));
  if (options.weight !== undefined) losses = losses.mul(checkedWeight(options.weight, x.shape, opName, 'weight'));
  return reduceLosses(losses, options.reduction ?? 'mean', undefined, opName);
}

/** The mean absolute error |input − target|, reduced, as `F.l1_loss`; both must have one shape. */
export function l1Loss(input: Input, target: Input, options: ReductionOptions = {}): Variable {
  const [x, y] = sameShape(input, target, 'l1Loss');
  return reduceLosses(x.sub(y).abs(), options.reduction ?? 'mean', undefined, 'l1Loss');
}

/** 0.5·d²/quadraticScale where |d| < threshold, |d|·linearSlope − offset elsewhere. */
function piecewiseQuadratic(d: Variable, threshold: number, inclusive: boolean, quadraticScale: number, linearSlope: number, offset: number): Variable {
  const magnitude = d.abs();
  const quadratic = d.mul(d).mul(0.5 / quadraticScale);
  const linear = magnitude.mul(linearSlope).sub(offset);
  return quadratic.where(inclusive ? magnitude.le(threshold) : magnitude.lt(threshold), linear);
}

function checkNumber(value: unknown, valid: (v: number) => boolean, description: string, opName: string, optionName: string): number {
  if (typeof value !== 'number' || !valid(value)) throw new RangeError(`${opName}: ${optionName} must be ${description}, got ${String(value)}`);
  return value;
}

/**
 * The smooth L1 loss, as `F.smooth_l1_loss`: 0.5·d²/beta where |d| < beta, |d| − 0.5·beta elsewhere,
 * with d = input − target; beta = 0 is the L1 loss.
 */
export function smoothL1Loss(input: Input, target: Input, options: SmoothL1LossOptions = {}): Variable {
  const beta = checkNumber(options.beta ?? 1, (v) => v >= 0 && Number.isFinite(v), 'a finite number ≥ 0', 'smoothL1Loss', 'beta');
  const [x, y] = sameShape(input, target, 'smoothL1Loss');
  const d = x.sub(y);
  const losses = beta === 0 ? d.abs() : piecewiseQuadratic(d, beta, false, beta, 1, 0.5 * beta);
  return reduceLosses(losses, options.reduction ?? 'mean', undefined, 'smoothL1Loss');
}

/**
 * The Huber loss, as `F.huber_loss`: 0.5·d² where |d| ≤ delta, delta·(|d| − 0.5·delta) elsewhere,
 * with d = input − target (smoothL1Loss with beta = delta, times delta).
 */
export function huberLoss(input: Input, target: Input, options: HuberLossOptions = {}): Variable {
  const delta = checkNumber(options.delta ?? 1, (v) => v > 0 && Number.isFinite(v), 'a finite number > 0', 'huberLoss', 'delta');
  const [x, y] = sameShape(input, target, 'huberLoss');
  const losses = piecewiseQuadratic(x.sub(y), delta, true, 1, delta, 0.5 * delta * delta);
  return reduceLosses(losses, options.reduction ?? 'mean', undefined, 'huberLoss');
}

/** Throws unless `reduction` is one of KLDiv's. */
export function assertKlDivReduction(reduction: unknown, opName: string): asserts reduction is KlDivReduction {
  if (!['mean', 'batchmean', 'sum', 'none'].includes(reduction as string)) {
    throw new Error(`${opName}: reduction must be 'mean', 'batchmean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  }
}

/**
 * The Kullback-Leibler divergence of `target` from `input`, as `F.kl_div`: `input` holds
 * log-probabilities and `target` probabilities (log-probabilities with `logTarget`), elementwise
 * target·(log target − input), 0 where the target is 0. 'mean' averages over every element as
 * PyTorch does; 'batchmean' (the KL divergence per sample) divides the sum by the batch size, dim 0.
 *
 * @example
 * const loss = F.klDiv(F.logSoftmax(logits, 1), teacherProbs, { reduction: 'batchmean' });
 */
export function klDiv(input: Input, target: Input, options: KlDivOptions = {}): Variable {
  const reduction = options.reduction ?? 'mean';
  assertKlDivReduction(reduction, 'klDiv');
  const [x, y] = sameShape(input, target, 'klDiv');
  let losses: Variable;
  if (options.logTarget) {
    losses = y.exp().mul(y.sub(x));
  } else {
    // target·log(target) is taken as 0 where the target is 0 (PyTorch's xlogy); a negative target stays NaN.
    const targetLogTarget = y.mul(y.where(y.ne(0), 1).log());
    losses = targetLogTarget.sub(y.mul(x));
  }
  if (reduction !== 'batchmean') return reduceLosses(losses, reduction, undefined, 'klDiv');
  return x.ndim === 0 ? losses.sum() : losses.sum().div(x.shape[0] as number);
}
