import { isFloatingDType } from '../dtype.js';
import type { LossReduction } from '../kernel-names.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertIndexDType, commonBackend, indexValuesIfReadable, runToTensor } from './support.js';

/** Options of {@link crossEntropy} and {@link crossEntropyBackward}. */
export interface CrossEntropyOptions {
  /** 'mean' (default) over the rows not ignored, 'sum', or 'none' for one loss per row. */
  reduction?: LossReduction;
  /** Rows whose target equals this give 0 and are left out of the mean (default -100, as PyTorch). */
  ignoreIndex?: number;
}

const REDUCTIONS: readonly string[] = ['none', 'sum', 'mean'];

/** Checks that `reduction` is one of the loss reductions, naming `opName` when it is not. */
export function assertLossReduction(reduction: unknown, opName: string): asserts reduction is LossReduction {
  if (typeof reduction !== 'string' || !REDUCTIONS.includes(reduction)) {
    throw new Error(`${opName}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  }
}

interface CheckedOptions {
  reduction: LossReduction;
  ignoreIndex: number;
}

function checkCrossEntropy(opName: string, logits: Tensor, target: Tensor, options: CrossEntropyOptions): CheckedOptions {
  commonBackend(opName, [logits, target]);
  const reduction = options.reduction ?? 'mean';
  assertLossReduction(reduction, opName);
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw new TypeError(`${opName}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  if (!isFloatingDType(logits.dtype)) throw new TypeError(`${opName}: the logits must be floating-point, got ${logits.dtype}; convert them with t.float()`);
  if (logits.ndim !== 2 || (logits.shape[1] as number) < 1) {
    throw new Error(`${opName}: expected logits of shape [N, C] with at least one class, got ${formatShape(logits.shape)}`);
  }
  const [rows, classes] = logits.shape as [number, number];
  assertIndexDType(target, opName);
  if (target.ndim !== 1 || target.shape[0] !== rows) {
    throw new Error(`${opName}: logits ${formatShape(logits.shape)} need a target of shape [${rows}], got ${formatShape(target.shape)}`);
  }
  // Asynchronous backends cannot hand the values over here; their kernels give NaN for a bad target.
  for (const value of indexValuesIfReadable(target) ?? []) {
    if (value !== ignoreIndex && (value < 0 || value >= classes)) {
      throw new RangeError(`${opName}: target ${value} is out of range for ${classes} classes (valid: 0 to ${classes - 1}, or ignoreIndex ${ignoreIndex})`);
    }
  }
  return { reduction, ignoreIndex };
}

/**
 * Softmax cross-entropy in one kernel: for logits [N, C] and int32 class indices `target` [N], each
 * row's loss is logsumexp(logits[i]) − logits[i][target[i]], computed stably. The result is the
 * mean over the rows not ignored (default, 0-d), the sum (0-d), or every row's loss ([N], 'none').
 * `crossEntropyBackward` is its gradient; @kindling/nn's `crossEntropy` builds on both.
 *
 * @example
 * crossEntropy(tensor([[2, 0, 0]]), tensor([0], { dtype: 'int32' })).item(); // ≈ 0.2395
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { reduction, ignoreIndex } = checkCrossEntropy('crossEntropy', logits, target, options);
  const shape = reduction === 'none' ? [logits.shape[0] as number] : [];
  return runToTensor('CrossEntropy', logits.backend, { logits, target, ignoreIndex, reduction }, shape, logits.dtype);
}

/**
 * The gradient of {@link crossEntropy} with respect to `logits`, given the gradient of its result
 * (`gradOutput`: [N] for 'none', 0-d otherwise): (softmax(logits) − onehot(target)) scaled per row,
 * with zero rows where the target is ignored.
 */
export function crossEntropyBackward(logits: Tensor, target: Tensor, gradOutput: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { reduction, ignoreIndex } = checkCrossEntropy('crossEntropyBackward', logits, target, options);
  commonBackend('crossEntropyBackward', [logits, gradOutput]);
  const expected = reduction === 'none' ? [logits.shape[0] as number] : [];
  if (formatShape(gradOutput.shape) !== formatShape(expected) || gradOutput.dtype !== logits.dtype) {
    throw new Error(
      `crossEntropyBackward: with reduction '${reduction}' the gradient must be ${logits.dtype} of shape ${formatShape(expected)}, ` +
        `got ${gradOutput.dtype} ${formatShape(gradOutput.shape)}`,
    );
  }
  return runToTensor('CrossEntropyGrad', logits.backend, { logits, target, gradOutput, ignoreIndex, reduction }, logits.shape, logits.dtype);
}
