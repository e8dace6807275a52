import { normalizeDim } from '@kindling/tensor';
import { record } from '../graph.js';
import type { Variable } from '../variable.js';

/** exp(x) / sum(exp(x)) along `dim`: the fused kernel, with its own gradient rule. */
export function softmax(x: Variable, dim: number): Variable {
  const output = x.data.softmax(dim);
  return record('softmax', output, [x], { dim: normalizeDim(dim, x.ndim, 'softmax') });
}

/** log(softmax(x)) along `dim`, stable for large inputs; the base of cross-entropy. */
export function logSoftmax(x: Variable, dim: number): Variable {
  const output = x.data.logSoftmax(dim);
  return record('logSoftmax', output, [x], { dim: normalizeDim(dim, x.ndim, 'logSoftmax') });
}
