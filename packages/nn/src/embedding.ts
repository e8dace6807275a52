import { composite, type Variable } from '@kindling/autograd';
import { formatShape, type Tensor } from '@kindling/tensor';
import { asVariable, type Input } from './parameter.js';

/** Options of `embedding`. */
export interface EmbeddingOptions {
  /** A row of `weight` (negative counts from the end) whose lookups receive no gradient, as PyTorch's `padding_idx`. */
  paddingIdx?: number | null;
}

/** `paddingIdx` as a row index in [0, numEmbeddings), or null; a RangeError names the bound otherwise. */
export function resolvePaddingIdx(paddingIdx: number | null | undefined, numEmbeddings: number, opName: string): number | null {
  if (paddingIdx === null || paddingIdx === undefined) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) {
    throw new RangeError(`${opName}: paddingIdx must be an integer in [-${numEmbeddings}, ${numEmbeddings - 1}] (numEmbeddings ${numEmbeddings}), got ${paddingIdx}`);
  }
  return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
}

/**
 * Looks up rows of `weight` ([numEmbeddings, embeddingDim]) by the int32 `indices` (any shape),
 * giving [...indices.shape, embeddingDim], as PyTorch's `F.embedding`. Lookups of `paddingIdx`
 * return that row but send it no gradient.
 *
 * @example
 * F.embedding(tokenIds, table); // tokenIds: int32 [batch, sequence]
 */
export function embedding(indices: Tensor, weight: Input, options: EmbeddingOptions = {}): Variable {
  const w = asVariable(weight);
  if (w.ndim !== 2) throw new Error(`embedding: the weight must be 2-D [numEmbeddings, embeddingDim], got shape ${formatShape(w.shape)}`);
  if (indices.dtype !== 'int32') throw new TypeError(`embedding: the indices must be int32, got ${indices.dtype} (convert with indices.int())`);
  const [numEmbeddings, embeddingDim] = w.shape as [number, number];
  const paddingIdx = resolvePaddingIdx(options.paddingIdx, numEmbeddings, 'embedding');
  return composite('embedding', [indices, w], { paddingIdx }, () => {
    const rows = w.indexSelect(0, indices.reshape([indices.numel()])).reshape([...indices.shape, embeddingDim]);
    if (paddingIdx === null) return rows;
    // The padding lookups take the same values through a constant, so the gradient skips that row.
    const looksUpPadding = indices.ne(paddingIdx).unsqueeze(-1);
    return rows.where(looksUpPadding, rows.data);
  });
}
