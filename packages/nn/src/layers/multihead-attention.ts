import { cat, composite, Variable } from '@kindling/autograd';
import { formatShape, isFloatingDType, zeros, type DType, type Shape } from '@kindling/tensor';
import { attentionWeights } from '../attention.js';
import { linear } from '../functional.js';
import { xavierNormal, xavierUniform, zeros as zeroInit } from '../init.js';
import { Module } from '../module.js';
import { pad } from '../padding.js';
import { asVariable, Parameter, type Input } from '../parameter.js';
import type { ParameterFactory } from './affine-parameters.js';
import { Linear } from './linear.js';

/** Options of `new MultiheadAttention(...)`. */
export interface MultiheadAttentionOptions extends ParameterFactory {
  /** The probability of dropping an attention weight in training mode (default 0). */
  dropout?: number;
  /** Whether the input and output projections learn biases (default true). */
  bias?: boolean;
  /** Whether to learn one extra key and value (`bias_k`, `bias_v`) appended to every sequence (default false). */
  addBiasKv?: boolean;
  /** The keys' feature size (default embedDim); another size gives separate `q/k/v_proj_weight`s. */
  kdim?: number | null;
  /** The values' feature size (default embedDim). */
  vdim?: number | null;
  /** Whether inputs and outputs are [N, L, E] (true) or [L, N, E] (false, the default, as PyTorch). */
  batchFirst?: boolean;
}

/** Options of `MultiheadAttention.forward`. */
export interface MultiheadAttentionForwardOptions {
  /** [N, S] (or [S] unbatched): bool, true for a key to ignore (padding), or floating, added to the scores. */
  keyPaddingMask?: Input | null;
  /** Whether to return the attention weights too (default true); otherwise the second element is null. */
  needWeights?: boolean;
  /** [L, S] or [N·numHeads, L, S]: bool, true where a query may NOT attend, or floating, added to the scores. */
  attnMask?: Input | null;
  /** Average the returned weights over the heads ([N, L, S], the default) or not ([N, numHeads, L, S]). */
  averageAttnWeights?: boolean;
  /** A hint that `attnMask` is the causal mask, as PyTorch's; it requires `attnMask`. */
  isCausal?: boolean;
}

/** A float mask to add to the scores: a bool one (true = masked out) becomes −∞ there and 0 elsewhere. */
function additiveMask(mask: Input, dtype: DType, name: string): Variable {
  if (mask.dtype === 'bool') {
    const masked = mask instanceof Variable ? mask.data : mask;
    // A composite, so that an exporter writes it from the mask (a graph input, say) instead of freezing the sample's.
    return composite('additiveMask', [masked], { dtype }, () => asVariable(zeros(mask.shape, { dtype, device: mask.device }).maskedFill(masked, -Infinity)));
  }
  if (!isFloatingDType(mask.dtype)) throw new TypeError(`MultiheadAttention: ${name} must be bool (true = masked out) or floating (added to the scores), got ${mask.dtype}`);
  return asVariable(mask);
}

function sameShape(actual: readonly number[], expected: readonly number[]): boolean {
  return formatShape(actual) === formatShape(expected);
}

/**
 * Attention over `numHeads` heads of embedDim/numHeads features each (PyTorch's
 * `nn.MultiheadAttention`): the query, key and value are projected, attended per head, joined and
 * projected by `out_proj`. The state-dict keys are PyTorch's (`in_proj_weight`, `in_proj_bias`,
 * `out_proj.weight`, `out_proj.bias`; `q_proj_weight`, `k_proj_weight`, `v_proj_weight` when kdim or
 * vdim differ from embedDim; `bias_k`, `bias_v` with `addBiasKv`), and so is the initialisation:
 * Xavier-uniform projections, zero biases.
 *
 * @example
 * const attention = new MultiheadAttention(64, 4, { batchFirst: true });
 * const [output, weights] = attention.forward(x, x, x); // x: [N, L, 64]; weights: [N, L, L]
 */
export class MultiheadAttention extends Module {
  // The property names are PyTorch's state-dict keys, hence snake_case.
  readonly in_proj_weight: Parameter | null;
  readonly q_proj_weight: Parameter | null;
  readonly k_proj_weight: Parameter | null;
  readonly v_proj_weight: Parameter | null;
  readonly in_proj_bias: Parameter | null;
  readonly out_proj: Linear;
  readonly bias_k: Parameter | null;
  readonly bias_v: Parameter | null;
  readonly dropout: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly batchFirst: boolean;
  readonly headDim: number;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options: MultiheadAttentionOptions = {},
  ) {
    super();
    if (!Number.isInteger(embedDim) || embedDim < 1) throw new RangeError(`MultiheadAttention: embedDim must be a positive integer, got ${embedDim}`);
    if (!Number.isInteger(numHeads) || numHeads < 1 || embedDim % numHeads !== 0) {
      throw new RangeError(`MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads}), a positive integer`);
    }
    this.dropout = options.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new RangeError(`MultiheadAttention: dropout must be in [0, 1], got ${this.dropout}`);
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.batchFirst = options.batchFirst ?? false;
    this.headDim = embedDim / numHeads;
    const factory = { dtype: options.dtype ?? 'float32', device: options.device };
    const parameter = (shape: Shape): Parameter => new Parameter(zeros(shape, factory).keep());
    const xavier = (shape: Shape): Parameter => xavierUniform(parameter(shape)) as Parameter;
    const packed = this.kdim === embedDim && this.vdim === embedDim;
    this.in_proj_weight = packed ? xavier([3 * embedDim, embedDim]) : null;
    this.q_proj_weight = packed ? null : xavier([embedDim, embedDim]);
    this.k_proj_weight = packed ? null : xavier([embedDim, this.kdim]);
    this.v_proj_weight = packed ? null : xavier([embedDim, this.vdim]);
    const bias = options.bias ?? true;
    this.in_proj_bias = bias ? parameter([3 * embedDim]) : null;
    this.out_proj = new Linear(embedDim, embedDim, { bias, ...factory });
    if (this.out_proj.bias !== null) zeroInit(this.out_proj.bias);
    const addBiasKv = options.addBiasKv ?? false;
    this.bias_k = addBiasKv ? (xavierNormal(parameter([1, 1, embedDim])) as Parameter) : null;
    this.bias_v = addBiasKv ? (xavierNormal(parameter([1, 1, embedDim])) as Parameter) : null;
  }

  /**
   * Attends `query` ([L, N, E], or [N, L, E] with batchFirst, or [L, E] unbatched) to `key`
   * ([S, N, kdim]) and `value` ([S, N, vdim]); returns the output, shaped as the query, and the
   * attention weights ([N, L, S] averaged over heads, [N, numHeads, L, S] otherwise) or null.
   */
  forward(query: Input, key: Input, value: Input, options: MultiheadAttentionForwardOptions = {}): [Variable, Variable | null] {
    const { needWeights = true, averageAttnWeights = true, isCausal = false } = options;
    const attnMask = options.attnMask ?? null;
    const keyPaddingMask = options.keyPaddingMask ?? null;
    if (isCausal && attnMask === null) {
      throw new Error('MultiheadAttention: isCausal is a hint that attnMask is the causal mask, so it needs attnMask (Transformer.generateSquareSubsequentMask(L) makes one)');
    }
    const batched = this.checkInputs(query, key, value, keyPaddingMask);
    // Computed sequence-first, [length, N, E], as PyTorch; an unbatched input is a batch of one.
    const sequenceFirst = (x: Input): Variable => {
      const input = asVariable(x);
      if (!batched) return input.unsqueeze(1);
      return this.batchFirst ? input.transpose(0, 1) : input;
    };
    const [q, k, v] = this.project(sequenceFirst(query), sequenceFirst(key), sequenceFirst(value));
    const [targetLength, batch] = q.shape as [number, number, number];
    const mask = this.attentionBias(q.dtype, targetLength, k.shape[0] as number, batch, batched, attnMask, keyPaddingMask);
    const appendBias = (x: Variable, bias: Parameter | null): Variable => (bias === null ? x : cat([x, bias.expand(1, batch, this.embedDim)], 0));
    // [length, N, E] → [N, heads, length, headDim]
    const heads = (x: Variable): Variable => x.reshape(x.shape[0] as number, batch, this.numHeads, this.headDim).permute(1, 2, 0, 3);
    const attention = { attnMask: mask, dropoutP: this.training ? this.dropout : 0 };
    const weights = attentionWeights(heads(q), heads(appendBias(k, this.bias_k)), attention, 'MultiheadAttention');
    const joined = weights.matmul(heads(appendBias(v, this.bias_v))).permute(2, 0, 1, 3).reshape(targetLength, batch, this.embedDim);
    const projected = this.out_proj.forward(joined);
    const output = batched ? (this.batchFirst ? projected.transpose(0, 1) : projected) : projected.squeeze(1);
    if (!needWeights) return [output, null];
    const returned = averageAttnWeights ? weights.mean(1) : weights;
    return [output, batched ? returned : returned.squeeze(0)];
  }

  /** The query, key and value through their projections (PyTorch's `in_proj`), each [length, N, E]. */
  private project(query: Variable, key: Variable, value: Variable): [Variable, Variable, Variable] {
    const [wq, wk, wv] = this.in_proj_weight?.chunk(3, 0) ?? [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight];
    const [bq, bk, bv] = this.in_proj_bias?.chunk(3, 0) ?? [null, null, null];
    if (!wq || !wk || !wv) throw new Error('MultiheadAttention: the projection weights are missing; was in_proj_weight or q/k/v_proj_weight replaced by null?');
    return [linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)];
  }

  /** Checks the inputs' shapes as PyTorch's `_mha_shape_check`; true for batched (3-D) inputs. */
  private checkInputs(query: Input, key: Input, value: Input, keyPaddingMask: Input | null): boolean {
    const batched = query.ndim === 3;
    const shapes = `query ${formatShape(query.shape)}, key ${formatShape(key.shape)} and value ${formatShape(value.shape)}`;
    if ((query.ndim !== 2 && !batched) || key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new Error(`MultiheadAttention: expected 3-D (batched) or 2-D (unbatched) query, key and value of one rank, got ${shapes}`);
    }
    const last = (x: Input): number => x.shape[x.ndim - 1] as number;
    if (last(query) !== this.embedDim || last(key) !== this.kdim || last(value) !== this.vdim) {
      throw new Error(`MultiheadAttention: expected features embedDim=${this.embedDim}, kdim=${this.kdim} and vdim=${this.vdim} in the last dims, got ${shapes}`);
    }
    const lead = (x: Input): string => formatShape(x.shape.slice(0, -1));
    if (lead(key) !== lead(value)) throw new Error(`MultiheadAttention: key and value must have the same sequence length and batch, got ${shapes}`);
    const batchDim = this.batchFirst ? 0 : 1;
    if (batched && query.shape[batchDim] !== key.shape[batchDim]) throw new Error(`MultiheadAttention: query and key have different batch sizes (dim ${batchDim}${this.batchFirst ? ', batchFirst' : ''}): ${shapes}`);
    if (keyPaddingMask !== null) {
      const expected = batched ? [key.shape[batchDim] as number, key.shape[1 - batchDim] as number] : [key.shape[0] as number];
      if (!sameShape(keyPaddingMask.shape, expected)) {
        throw new Error(`MultiheadAttention: keyPaddingMask must be ${batched ? '[N, S]' : '[S]'} = ${formatShape(expected)} for key ${formatShape(key.shape)}, got ${formatShape(keyPaddingMask.shape)}`);
      }
    }
    return batched;
  }

  /**
   * attnMask and keyPaddingMask as one additive mask broadcastable to [N, heads, L, S'], S' counting
   * the appended bias key; null without either.
   */
  private attentionBias(dtype: DType, targetLength: number, sourceLength: number, batch: number, batched: boolean, attnMask: Input | null, keyPaddingMask: Input | null): Variable | null {
    // bias_k is one more key that no mask names: it stays visible to every query.
    const withBiasKey = (mask: Variable): Variable => (this.bias_k !== null ? pad(mask, [0, 1]) : mask);
    let bias: Variable | null = null;
    if (attnMask !== null) {
      const perHead = batched ? batch * this.numHeads : this.numHeads;
      if (attnMask.ndim === 2 && sameShape(attnMask.shape, [targetLength, sourceLength])) bias = withBiasKey(additiveMask(attnMask, dtype, 'attnMask'));
      else if (attnMask.ndim === 3 && sameShape(attnMask.shape, [perHead, targetLength, sourceLength])) {
        bias = withBiasKey(additiveMask(attnMask, dtype, 'attnMask')).reshape([batch, this.numHeads, targetLength, -1]);
      } else {
        throw new Error(
          `MultiheadAttention: attnMask must be [L, S] = ${formatShape([targetLength, sourceLength])} or [${batched ? 'N·numHeads' : 'numHeads'}, L, S] = ${formatShape([perHead, targetLength, sourceLength])}, got ${formatShape(attnMask.shape)}`,
        );
      }
    }
    if (keyPaddingMask !== null) {
      const padding = withBiasKey(additiveMask(keyPaddingMask, dtype, 'keyPaddingMask')).reshape([batch, 1, 1, -1]);
      bias = bias === null ? padding : bias.add(padding);
    }
    return bias;
  }
}
