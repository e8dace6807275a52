import type { Generator } from '@kindling/tensor';

/**
 * A random permutation of 0..n-1 on the host: Fisher-Yates on `generator`, drawn exactly as
 * `randperm` draws it, so a seed gives the same order on every backend.
 */
export function permutation(n: number, generator: Generator): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = generator.integer(0, i + 1);
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  return order;
}
