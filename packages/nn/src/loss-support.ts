import type { Variable } from '@kindling/autograd';
import { asVariable } from './parameter.js';
import { assertLossReduction, formatShape, unobservedRead, type LossReduction, type Tensor } from '@kindling/tensor';

/** How per-sample losses become the result: their mean, their sum, or all of them ('none'). */
export type { LossReduction };

/**
 * Reduces per-sample `losses`. `count`, when given, is the number of samples that take part (the
 * ones not ignored), which PyTorch divides by for 'mean' instead of the number of elements.
 */
export function reduceLosses(losses: Variable, reduction: LossReduction, count: Variable | undefined, opName: string): Variable {
  assertLossReduction(reduction, opName);
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return losses.sum();
  // With every target ignored this is 0 / 0 = NaN, as in PyTorch.
  return count === undefined ? losses.mean() : losses.sum().div(count.to(losses.dtype));
}

/** Targets must be int32 class indices of the right shape, each in [0, numClasses) or the ignored index. */
function checkTarget(target: Tensor, batch: number | undefined, numClasses: number, ignoreIndex: number, opName: string): void {
  if (target.dtype !== 'int32') {
    throw new TypeError(`${opName}: the target must hold int32 class indices, but it is ${target.dtype}; convert it with target.int()`);
  }
  const expected = batch === undefined ? [] : [batch];
  if (formatShape(target.shape) !== formatShape(expected)) {
    throw new Error(`${opName}: the input has ${batch ?? 'no'} sample${batch === 1 ? '' : 's'} and expects a target of shape ${formatShape(expected)}, got ${formatShape(target.shape)}`);
  }
  // A range check needs the values; asynchronous backends cannot hand them over synchronously, and
  // their gather kernel is left to reject bad indices.
  if (!target.backend.readSync) return;
  for (const index of unobservedRead(() => target.dataSync())) {
    if (index !== ignoreIndex && (index < 0 || index >= numClasses)) {
      throw new RangeError(`${opName}: target index ${index} is out of range for ${numClasses} classes (valid: 0 to ${numClasses - 1}, or ignoreIndex ${ignoreIndex})`);
    }
  }
}

/** What a classification loss checked: its reduction, its ignored index, and whether the input is one unbatched sample [C]. */
export interface ClassificationCall {
  reduction: LossReduction;
  ignoreIndex: number;
  unbatched: boolean;
}

/** Checks a classification loss's input ([N, C] or [C]), target and options, naming `opName` in the errors. */
export function checkClassification(
  input: Variable,
  target: Tensor,
  options: { reduction?: LossReduction; ignoreIndex?: number },
  opName: string,
): ClassificationCall {
  const reduction = options.reduction ?? 'mean';
  assertLossReduction(reduction, opName);
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw new TypeError(`${opName}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  if (input.ndim !== 1 && input.ndim !== 2) {
    throw new Error(`${opName}: expected an input of shape [N, C] (or [C] for one sample), got ${formatShape(input.shape)}`);
  }
  const unbatched = input.ndim === 1;
  const numClasses = input.shape[input.ndim - 1] as number;
  checkTarget(target, unbatched ? undefined : (input.shape[0] as number), numClasses, ignoreIndex, opName);
  return { reduction, ignoreIndex, unbatched };
}

/**
 * The negative log-likelihood of `target` under `logProbs` ([N, C] or [C]), with PyTorch's label
 * smoothing ε: per sample (1 − ε)·(−logp[target]) + ε·mean over classes of (−logp). Samples whose
 * target is `ignoreIndex` give 0 and are not counted by 'mean'.
 */
export function nllFromLogProbs(
  logProbs: Variable,
  target: Tensor,
  smoothing: number,
  options: { reduction?: LossReduction; ignoreIndex?: number },
  opName: string,
): Variable {
  const { reduction, ignoreIndex, unbatched } = checkClassification(logProbs, target, options, opName);
  // One sample is handled as a batch of one, then given back its 0-d shape.
  const batched = unbatched ? logProbs.unsqueeze(0) : logProbs;
  // Every step on the target is a Variable op, so a trace (ONNX export) sees it computed from the
  // target rather than frozen as the sample's values.
  const targets = unbatched ? asVariable(target).reshape([1]) : asVariable(target);
  const kept = targets.ne(ignoreIndex);
  // Ignored targets may be any number (-100 by default): point them at class 0 so the gather stays
  // in range, then mask their loss out.
  const safeTargets = targets.where(kept, 0).unsqueeze(1);
  let perSample = batched.gather(1, safeTargets).squeeze(1).neg();
  if (smoothing > 0) {
    const uniformTerm = batched.mean(1).neg();
    perSample = perSample.mul(1 - smoothing).add(uniformTerm.mul(smoothing));
  }
  const masked = perSample.where(kept, 0);
  const losses = unbatched ? masked.squeeze(0) : masked;
  return reduceLosses(losses, reduction, asVariable(kept).sum(), opName);
}
