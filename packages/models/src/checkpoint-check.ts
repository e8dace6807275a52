import type { Tensor } from '@kindling/tensor';

/**
 * The first tensor of a checkpoint that holds NaN or infinite values, described ("fc2.bias holds 10
 * NaN or infinite values of 10"), or undefined when every value is finite. Such weights make every
 * output NaN, so the trainer and the playground refuse them rather than train or predict on them.
 * The tensors must be readable synchronously (load them on `cpu`).
 *
 * @example
 * const problem = nonFiniteWeights(load(path, { device: 'cpu' }));
 */
export function nonFiniteWeights(tensors: Readonly<Record<string, Tensor>>): string | undefined {
  for (const [name, weights] of Object.entries(tensors)) {
    const values = weights.dataSync();
    let nonFinite = 0;
    for (const value of values) if (!Number.isFinite(value)) nonFinite++;
    if (nonFinite > 0) return `${name} holds ${nonFinite} NaN or infinite values of ${values.length}`;
  }
  return undefined;
}
