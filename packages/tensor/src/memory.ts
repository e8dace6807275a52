import { tidyWith } from './engine.js';
import { isTensor, type Tensor } from './tensor.js';

/**
 * Runs `fn` and disposes every tensor created inside it except those reachable from its result, so
 * a loop body leaves GPU memory flat.
 *
 * @example
 * const loss = tidy(() => x.matmul(w).relu().sum()); // the intermediates are freed, `loss` survives
 */
export function tidy<T>(fn: () => T): T {
  return tidyWith(fn, isTensor);
}

/** Keeps `t` alive past the end of the enclosing `tidy`. */
export function keep<T extends Tensor>(t: T): T {
  return t.keep();
}

/** Disposes every tensor reachable from `value` (a tensor, an array, an object of tensors). */
export function dispose(value: unknown): void {
  if (isTensor(value)) value.dispose();
  else if (Array.isArray(value)) value.forEach(dispose);
  else if (value !== null && typeof value === 'object') Object.values(value).forEach(dispose);
}
