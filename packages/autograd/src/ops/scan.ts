import { normalizeDim } from '@kindling/tensor';
import { record } from '../graph.js';
import type { Variable } from '../variable.js';

/** Running sums along `dim`; the gradient is the running sum of the gradient from the end. */
export function cumsum(x: Variable, dim: number): Variable {
  const output = x.data.cumsum(dim);
  return record('cumsum', output, [x], { dim: normalizeDim(dim, Math.max(x.ndim, 1), 'cumsum') });
}

/** The lower triangle (torch.tril); the gradient is the lower triangle of the gradient. */
export function tril(x: Variable, diagonal = 0): Variable {
  return record('tril', x.data.tril(diagonal), [x], { diagonal });
}

/** The upper triangle (torch.triu); the gradient is the upper triangle of the gradient. */
export function triu(x: Variable, diagonal = 0): Variable {
  return record('triu', x.data.triu(diagonal), [x], { diagonal });
}
