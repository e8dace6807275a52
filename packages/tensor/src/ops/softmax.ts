import { isFloatingDType } from '../dtype.js';
import { normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { commonBackend, runToTensor } from './support.js';

function softmaxAlong(x: Tensor, dim: number, log: boolean): Tensor {
  const opName = log ? 'logSoftmax' : 'softmax';
  commonBackend(opName, [x]);
  if (!isFloatingDType(x.dtype)) throw new TypeError(`${opName}: needs a floating-point tensor, got ${x.dtype}; convert it with t.float() first`);
  const d = normalizeDim(dim, x.ndim, opName);
  if (x.ndim === 0) return runToTensor('Fill', x.backend, { size: 1, value: log ? 0 : 1, dtype: x.dtype }, [], x.dtype);
  return runToTensor('Softmax', x.backend, { x, dim: d, log }, x.shape, x.dtype);
}

/** exp(x) / sum(exp(x)) along `dim`, computed with the maximum subtracted first. */
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxAlong(x, dim, false);
}

/** log(softmax(x)) along `dim`, without the overflow or underflow of the naive formula. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxAlong(x, dim, true);
}
