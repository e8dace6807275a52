import { Variable } from '@kindling/autograd';
import { arange, formatShape, isFloatingDType, type Tensor } from '@kindling/tensor';
import { dropout } from './functional.js';
import { asVariable, type Input } from './parameter.js';

/*
 * Scaled dot-product attention written out from matmul, softmax, where and dropout (PyTorch 2's
 * reference formula), so that its gradient comes from those ops' rules and it runs on every backend.
 */

/** Options of `scaledDotProductAttention`. */
export interface ScaledDotProductAttentionOptions {
  /**
   * A mask broadcastable to [..., L, S]: bool (true = the query may attend to the key, as PyTorch's
   * `F.scaled_dot_product_attention`) or floating (added to the scores, -Infinity to exclude).
   */
  attnMask?: Input | null;
  /** The probability of dropping an attention weight (default 0); applied whenever it is above 0, as PyTorch's. */
  dropoutP?: number;
  /** Lets query i attend only to keys 0..i (the top-left-aligned lower triangle); not together with `attnMask`. */
  isCausal?: boolean;
  /** The factor the scores are multiplied by (default 1/√E, E the query's last dim). */
  scale?: number | null;
}

/**
 * The bool causal mask of PyTorch's SDPA: key j is visible to query i when j ≤ i. The positions are
 * float32 (exact below 2^24) because gpujs compares int32 only on the cpu fallback.
 */
function causalMask(queries: number, keys: number, device: string): Tensor {
  const column = arange(0, keys, 1, { dtype: 'float32', device }).reshape([1, keys]);
  const row = arange(0, queries, 1, { dtype: 'float32', device }).reshape([queries, 1]);
  return column.le(row);
}

/** Applies a bool mask (true = keep) or adds a floating one to `scores`. */
function applyMask(scores: Variable, mask: Input, opName: string): Variable {
  if (mask.dtype === 'bool') {
    return scores.where(mask instanceof Variable ? mask.data : mask, -Infinity);
  }
  if (!isFloatingDType(mask.dtype)) {
    throw new TypeError(`${opName}: attnMask must be bool (true = take part) or floating (added to the scores), got ${mask.dtype}`);
  }
  return scores.add(mask);
}

/**
 * softmax(q·kᵀ·scale + mask) along the keys, with dropout: the attention weights of
 * `scaledDotProductAttention`, which MultiheadAttention also returns.
 */
export function attentionWeights(query: Input, key: Input, options: ScaledDotProductAttentionOptions, opName: string): Variable {
  const q = asVariable(query);
  const k = asVariable(key);
  const { attnMask = null, dropoutP = 0, isCausal = false } = options;
  if (q.ndim < 2 || k.ndim < 2 || q.shape[q.ndim - 1] !== k.shape[k.ndim - 1]) {
    throw new Error(
      `${opName}: expected query [..., L, E] and key [..., S, E] with the same E, got ${formatShape(q.shape)} and ${formatShape(k.shape)}`,
    );
  }
  if (isCausal && attnMask !== null) {
    throw new Error(`${opName}: pass either isCausal or attnMask, not both (as PyTorch); fold the causal mask into attnMask if you need both`);
  }
  if (typeof dropoutP !== 'number' || !(dropoutP >= 0 && dropoutP <= 1)) throw new RangeError(`${opName}: dropoutP must be in [0, 1], got ${dropoutP}`);
  const embedding = q.shape[q.ndim - 1] as number;
  const scale = options.scale ?? 1 / Math.sqrt(embedding);
  let scores = q.matmul(k.transpose(-2, -1)).mul(scale);
  if (isCausal) scores = applyMask(scores, causalMask(q.shape[q.ndim - 2] as number, k.shape[k.ndim - 2] as number, q.device), opName);
  if (attnMask !== null) scores = applyMask(scores, attnMask, opName);
  return dropout(scores.softmax(-1), dropoutP, dropoutP > 0);
}

/**
 * Attention as PyTorch 2's `F.scaled_dot_product_attention`: softmax(q·kᵀ/√E + mask)·v for query
 * [..., L, E], key [..., S, E] and value [..., S, Ev], the leading (batch, head) dims broadcasting.
 * A bool `attnMask` marks with true the keys each query may attend to; a floating one is added to
 * the scores. A query that may attend to no key gets NaN, as in PyTorch.
 *
 * @example
 * const out = F.scaledDotProductAttention(q, k, v, { isCausal: true }); // q, k, v: [batch, heads, L, 64]
 */
export function scaledDotProductAttention(query: Input, key: Input, value: Input, options: ScaledDotProductAttentionOptions = {}): Variable {
  const k = asVariable(key);
  const v = asVariable(value);
  if (v.ndim < 2 || v.shape[v.ndim - 2] !== k.shape[k.ndim - 2]) {
    throw new Error(`scaledDotProductAttention: value [..., S, Ev] must have as many rows S as key, got key ${formatShape(k.shape)} and value ${formatShape(v.shape)}`);
  }
  return attentionWeights(query, k, options, 'scaledDotProductAttention').matmul(v);
}
