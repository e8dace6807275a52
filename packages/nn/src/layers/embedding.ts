import type { Variable } from '@kindling/autograd';
import { arange, randn, type Tensor } from '@kindling/tensor';
import { embedding, resolvePaddingIdx } from '../embedding.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import type { ParameterFactory } from './affine-parameters.js';

/** Options of `new Embedding(...)`. */
export interface EmbeddingLayerOptions extends ParameterFactory {
  /** A row (negative counts from the end) that starts at zero and receives no gradient, as PyTorch's `padding_idx`. */
  paddingIdx?: number | null;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim` (PyTorch's `nn.Embedding`),
 * indexed by int32 tensors; `weight` starts N(0, 1) from the seeded generator, with the `paddingIdx`
 * row zeroed.
 *
 * @example
 * const embed = new Embedding(10000, 128, { paddingIdx: 0 });
 * embed.forward(tokenIds).shape; // [batch, sequence] gives [batch, sequence, 128]
 */
export class Embedding extends Module {
  /** Assignable, so that two modules can share one Parameter (weight tying: `lmHead.weight = wte.weight`). */
  weight: Parameter;
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingLayerOptions = {},
  ) {
    super();
    for (const [name, value] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`Embedding: ${name} must be a non-negative integer, got ${value}`);
    }
    this.paddingIdx = resolvePaddingIdx(options.paddingIdx, numEmbeddings, 'Embedding');
    const drawn = randn([numEmbeddings, embeddingDim], { dtype: options.dtype ?? 'float32', device: options.device });
    this.weight = new Parameter(this.withPaddingZeroed(drawn).keep());
  }

  /** `weight` with the padding row set to zero, as PyTorch's `_fill_padding_idx_with_zero`; `weight` itself is freed. */
  private withPaddingZeroed(weight: Tensor): Tensor {
    if (this.paddingIdx === null) return weight;
    const rows = weight.shape[0] as number;
    const otherRows = arange(rows, undefined, 1, { dtype: 'int32', device: weight.device }).ne(this.paddingIdx).reshape([rows, 1]);
    const zeroed = weight.where(otherRows, 0);
    weight.dispose();
    otherRows.dispose();
    return zeroed;
  }

  forward(indices: Tensor): Variable {
    return embedding(indices, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }
}
