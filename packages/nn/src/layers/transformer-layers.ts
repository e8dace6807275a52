import type { Variable } from '@kindling/autograd';
import { gelu } from '../activations.js';
import { relu } from '../functional.js';
import { Module } from '../module.js';
import { asVariable, type Input } from '../parameter.js';
import type { ParameterFactory } from './affine-parameters.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { MultiheadAttention } from './multihead-attention.js';
import { LayerNorm } from './normalization.js';

/** The feed-forward block's nonlinearity: PyTorch's names or any function of a Variable. */
export type TransformerActivation = 'relu' | 'gelu' | ((input: Variable) => Variable);

/** Options of `new TransformerEncoderLayer(...)` and `new TransformerDecoderLayer(...)`, with PyTorch's defaults. */
export interface TransformerLayerOptions extends ParameterFactory {
  /** The feed-forward block's hidden size (default 2048). */
  dimFeedforward?: number;
  /** The dropout probability after attention, inside and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** The feed-forward block's nonlinearity (default 'relu'). */
  activation?: TransformerActivation;
  /** The LayerNorms' eps (default 1e-5). */
  layerNormEps?: number;
  /** Whether inputs are [N, L, E] (true) or [L, N, E] (false, the default). */
  batchFirst?: boolean;
  /** Normalise before each block (pre-norm, true) or after the residual sum (post-norm, false, the default). */
  normFirst?: boolean;
  /** Whether the Linear layers, attention projections and LayerNorms learn biases (default true). */
  bias?: boolean;
}

/** Options of `TransformerEncoderLayer.forward`. */
export interface EncoderLayerForwardOptions {
  /** The self-attention mask ([S, S] or [N·nhead, S, S]; bool true = masked out, or additive float). */
  srcMask?: Input | null;
  /** [N, S]: true (or −∞) for padding positions of the source. */
  srcKeyPaddingMask?: Input | null;
  /** A hint that `srcMask` is the causal mask; it requires `srcMask`. */
  isCausal?: boolean;
}

/** Options of `TransformerDecoderLayer.forward`. */
export interface DecoderLayerForwardOptions {
  /** The target's self-attention mask ([T, T]), usually `Transformer.generateSquareSubsequentMask(T)`. */
  tgtMask?: Input | null;
  /** The mask of the attention from the target to the memory ([T, S]). */
  memoryMask?: Input | null;
  /** [N, T]: padding positions of the target. */
  tgtKeyPaddingMask?: Input | null;
  /** [N, S]: padding positions of the memory. */
  memoryKeyPaddingMask?: Input | null;
  /** A hint that `tgtMask` is the causal mask; it requires `tgtMask`. */
  tgtIsCausal?: boolean;
  /** A hint that `memoryMask` is the causal mask; it requires `memoryMask`. */
  memoryIsCausal?: boolean;
}

function activationFunction(activation: TransformerActivation, layer: string): (input: Variable) => Variable {
  if (typeof activation === 'function') return activation;
  if (activation === 'relu') return relu;
  if (activation === 'gelu') return (x) => gelu(x);
  throw new Error(`${layer}: activation must be 'relu', 'gelu' or a function, got ${String(activation)}`);
}

/** What both layers share: the options, the feed-forward block and the layer norms' settings. */
abstract class TransformerLayer extends Module {
  readonly normFirst: boolean;
  protected readonly applyActivation: (input: Variable) => Variable;

  protected constructor(
    readonly dModel: number,
    readonly nhead: number,
    readonly options: TransformerLayerOptions,
  ) {
    super();
    const name = new.target.name;
    if (!Number.isInteger(dModel) || dModel < 1) throw new RangeError(`${name}: dModel must be a positive integer, got ${dModel}`);
    this.normFirst = options.normFirst ?? false;
    this.applyActivation = activationFunction(options.activation ?? 'relu', name);
  }

  protected attention(): MultiheadAttention {
    const { dropout = 0.1, bias = true, batchFirst = false, dtype, device } = this.options;
    return new MultiheadAttention(this.dModel, this.nhead, { dropout, bias, batchFirst, dtype, device });
  }

  protected linear(inFeatures: number, outFeatures: number): Linear {
    const { bias = true, dtype, device } = this.options;
    return new Linear(inFeatures, outFeatures, { bias, dtype, device });
  }

  protected layerNorm(): LayerNorm {
    const { layerNormEps = 1e-5, bias = true, dtype, device } = this.options;
    return new LayerNorm(this.dModel, { eps: layerNormEps, bias, dtype, device });
  }

  /** The same options, on the device and dtype the weights have now (`to()` may have moved them). */
  protected optionsForCopy(): TransformerLayerOptions {
    const weight = this.parameters()[0];
    return weight === undefined ? this.options : { ...this.options, dtype: weight.dtype, device: weight.device };
  }

  /** Self-attention over `x` without weights, then dropout: PyTorch's `_sa_block`. */
  protected selfAttentionBlock(attention: MultiheadAttention, x: Variable, attnMask: Input | null, keyPaddingMask: Input | null, isCausal: boolean, dropout: Dropout): Variable {
    const [attended] = attention.forward(x, x, x, { attnMask, keyPaddingMask, isCausal, needWeights: false });
    return dropout.forward(attended);
  }

  /** linear2(dropout(activation(linear1(x)))), then dropout: PyTorch's `_ff_block`. */
  protected feedForwardBlock(x: Variable, linear1: Linear, dropout: Dropout, linear2: Linear, after: Dropout): Variable {
    return after.forward(linear2.forward(dropout.forward(this.applyActivation(linear1.forward(x)))));
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, nhead=${this.nhead}, normFirst=${this.normFirst}`;
  }
}

/**
 * Self-attention and a feed-forward block, each with a residual connection and a LayerNorm
 * (PyTorch's `nn.TransformerEncoderLayer`, keys `self_attn.in_proj_weight`, `linear1.weight`,
 * `norm1.weight`, ...): post-norm by default, pre-norm with `normFirst`.
 *
 * @example
 * const layer = new TransformerEncoderLayer(64, 4, { dimFeedforward: 256, batchFirst: true });
 * layer.forward(tokens); // tokens: [N, S, 64]
 */
export class TransformerEncoderLayer extends TransformerLayer {
  // The property names are PyTorch's state-dict keys.
  readonly self_attn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super(dModel, nhead, options);
    const { dimFeedforward = 2048, dropout = 0.1 } = options;
    this.self_attn = this.attention();
    this.linear1 = this.linear(dModel, dimFeedforward);
    this.dropout = new Dropout(dropout);
    this.linear2 = this.linear(dimFeedforward, dModel);
    this.norm1 = this.layerNorm();
    this.norm2 = this.layerNorm();
    this.dropout1 = new Dropout(dropout);
    this.dropout2 = new Dropout(dropout);
  }

  /** A new layer with this one's settings, weights and mode (PyTorch's deepcopy in `_get_clones`). */
  copy(): TransformerEncoderLayer {
    const twin = new TransformerEncoderLayer(this.dModel, this.nhead, this.optionsForCopy());
    twin.loadStateDict(this.stateDict());
    return twin.train(this.training);
  }

  forward(src: Input, options: EncoderLayerForwardOptions = {}): Variable {
    const { srcMask = null, srcKeyPaddingMask = null, isCausal = false } = options;
    const selfAttention = (x: Variable): Variable => this.selfAttentionBlock(this.self_attn, x, srcMask, srcKeyPaddingMask, isCausal, this.dropout1);
    const feedForward = (x: Variable): Variable => this.feedForwardBlock(x, this.linear1, this.dropout, this.linear2, this.dropout2);
    let x = asVariable(src);
    if (this.normFirst) {
      x = x.add(selfAttention(this.norm1.forward(x)));
      return x.add(feedForward(this.norm2.forward(x)));
    }
    x = this.norm1.forward(x.add(selfAttention(x)));
    return this.norm2.forward(x.add(feedForward(x)));
  }
}

/**
 * Self-attention over the target, attention from the target to the encoder's output (`memory`)
 * and a feed-forward block, each with a residual connection and a LayerNorm (PyTorch's
 * `nn.TransformerDecoderLayer`, keys `self_attn.*`, `multihead_attn.*`, `linear1.*`, `norm1.*` to
 * `norm3.*`).
 *
 * @example
 * const layer = new TransformerDecoderLayer(64, 4, { batchFirst: true });
 * layer.forward(tgt, memory, { tgtMask: Transformer.generateSquareSubsequentMask(tgt.shape[1] ?? 0) });
 */
export class TransformerDecoderLayer extends TransformerLayer {
  readonly self_attn: MultiheadAttention;
  readonly multihead_attn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly dropout3: Dropout;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super(dModel, nhead, options);
    const { dimFeedforward = 2048, dropout = 0.1 } = options;
    this.self_attn = this.attention();
    this.multihead_attn = this.attention();
    this.linear1 = this.linear(dModel, dimFeedforward);
    this.dropout = new Dropout(dropout);
    this.linear2 = this.linear(dimFeedforward, dModel);
    this.norm1 = this.layerNorm();
    this.norm2 = this.layerNorm();
    this.norm3 = this.layerNorm();
    this.dropout1 = new Dropout(dropout);
    this.dropout2 = new Dropout(dropout);
    this.dropout3 = new Dropout(dropout);
  }

  /** A new layer with this one's settings, weights and mode (PyTorch's deepcopy in `_get_clones`). */
  copy(): TransformerDecoderLayer {
    const twin = new TransformerDecoderLayer(this.dModel, this.nhead, this.optionsForCopy());
    twin.loadStateDict(this.stateDict());
    return twin.train(this.training);
  }

  forward(tgt: Input, memory: Input, options: DecoderLayerForwardOptions = {}): Variable {
    const { tgtMask = null, memoryMask = null, tgtKeyPaddingMask = null, memoryKeyPaddingMask = null, tgtIsCausal = false, memoryIsCausal = false } = options;
    const selfAttention = (x: Variable): Variable => this.selfAttentionBlock(this.self_attn, x, tgtMask, tgtKeyPaddingMask, tgtIsCausal, this.dropout1);
    const crossAttention = (x: Variable): Variable => {
      const [attended] = this.multihead_attn.forward(x, memory, memory, { attnMask: memoryMask, keyPaddingMask: memoryKeyPaddingMask, isCausal: memoryIsCausal, needWeights: false });
      return this.dropout2.forward(attended);
    };
    const feedForward = (x: Variable): Variable => this.feedForwardBlock(x, this.linear1, this.dropout, this.linear2, this.dropout3);
    let x = asVariable(tgt);
    if (this.normFirst) {
      x = x.add(selfAttention(this.norm1.forward(x)));
      x = x.add(crossAttention(this.norm2.forward(x)));
      return x.add(feedForward(this.norm3.forward(x)));
    }
    x = this.norm1.forward(x.add(selfAttention(x)));
    x = this.norm2.forward(x.add(crossAttention(x)));
    return this.norm3.forward(x.add(feedForward(x)));
  }
}
