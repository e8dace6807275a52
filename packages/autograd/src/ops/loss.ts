import * as kt from '@kindling/tensor';
import type { CrossEntropyOptions, Tensor } from '@kindling/tensor';
import { record } from '../graph.js';
import type { Variable } from '../variable.js';

/**
 * Softmax cross-entropy of logits [N, C] against int32 class indices `target` [N], as one fused
 * kernel forward and one backward (see @kindling/tensor's `crossEntropy` for the options).
 *
 * @example
 * const loss = crossEntropy(net.forward(images), labels); // the mean over the batch
 * loss.backward();
 */
export function crossEntropy(logits: Variable, target: Tensor, options: CrossEntropyOptions = {}): Variable {
  const reduction = options.reduction ?? 'mean';
  const ignoreIndex = options.ignoreIndex ?? -100;
  const output = kt.crossEntropy(logits.data, target, { reduction, ignoreIndex });
  return record('crossEntropy', output, [logits], { target, reduction, ignoreIndex });
}
