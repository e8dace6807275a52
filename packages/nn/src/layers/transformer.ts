import type { Variable } from '@kindling/autograd';
import { arange, formatShape, zeros, type DType, type Tensor } from '@kindling/tensor';
import { xavierUniform } from '../init.js';
import { Module } from '../module.js';
import { asVariable, type Input } from '../parameter.js';
import { ModuleList } from './containers.js';
import { LayerNorm } from './normalization.js';
import type { Layer } from './sequential.js';
import {
  TransformerDecoderLayer,
  TransformerEncoderLayer,
  type DecoderLayerForwardOptions,
  type TransformerLayerOptions,
} from './transformer-layers.js';

/** Options of `TransformerEncoder.forward`. */
export interface EncoderForwardOptions {
  /** The self-attention mask of every layer ([S, S] or [N·nhead, S, S]). */
  mask?: Input | null;
  /** [N, S]: true (or −∞) for padding positions of the source. */
  srcKeyPaddingMask?: Input | null;
  /** A hint that `mask` is the causal mask; it requires `mask`. */
  isCausal?: boolean;
}

/** Options of `new TransformerEncoder(...)` and `new TransformerDecoder(...)`. */
export interface TransformerStackOptions {
  /** A layer applied to the last layer's output (PyTorch's `norm`, e.g. a LayerNorm); none by default. */
  norm?: Layer | null;
}

/**
 * `numLayers` copies of `encoderLayer` applied in turn, then `norm` (PyTorch's
 * `nn.TransformerEncoder`): the copies start with the given layer's weights, as PyTorch's deep
 * copies do, and their keys are `layers.0.self_attn.in_proj_weight`, ..., `norm.weight`.
 *
 * @example
 * const encoder = new TransformerEncoder(new TransformerEncoderLayer(64, 4), 3, { norm: new LayerNorm(64) });
 */
export class TransformerEncoder extends Module {
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: Layer | null;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    readonly numLayers: number,
    options: TransformerStackOptions = {},
  ) {
    super();
    if (!Number.isInteger(numLayers) || numLayers < 1) throw new RangeError(`TransformerEncoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.copy()));
    this.norm = options.norm ?? null;
  }

  forward(src: Input, options: EncoderForwardOptions = {}): Variable {
    const { mask = null, srcKeyPaddingMask = null, isCausal = false } = options;
    let output = asVariable(src);
    for (const layer of this.layers) output = layer.forward(output, { srcMask: mask, srcKeyPaddingMask, isCausal });
    return this.norm === null ? output : this.norm.forward(output);
  }
}

/**
 * `numLayers` copies of `decoderLayer` applied in turn to the target, each attending to `memory`,
 * then `norm` (PyTorch's `nn.TransformerDecoder`; keys `layers.0.multihead_attn.in_proj_weight`, ...).
 */
export class TransformerDecoder extends Module {
  readonly layers: ModuleList<TransformerDecoderLayer>;
  readonly norm: Layer | null;

  constructor(
    decoderLayer: TransformerDecoderLayer,
    readonly numLayers: number,
    options: TransformerStackOptions = {},
  ) {
    super();
    if (!Number.isInteger(numLayers) || numLayers < 1) throw new RangeError(`TransformerDecoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.copy()));
    this.norm = options.norm ?? null;
  }

  forward(tgt: Input, memory: Input, options: DecoderLayerForwardOptions = {}): Variable {
    let output = asVariable(tgt);
    for (const layer of this.layers) output = layer.forward(output, memory, options);
    return this.norm === null ? output : this.norm.forward(output);
  }
}

/** Options of `new Transformer(...)`, with PyTorch's defaults. */
export interface TransformerOptions extends TransformerLayerOptions {
  /** The model's feature size (default 512). */
  dModel?: number;
  /** The number of attention heads (default 8). */
  nhead?: number;
  /** Encoder layers (default 6). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
}

/** Options of `Transformer.forward`: the masks of the encoder and of the decoder. */
export interface TransformerForwardOptions extends DecoderLayerForwardOptions {
  /** The encoder's self-attention mask ([S, S]). */
  srcMask?: Input | null;
  /** [N, S]: padding positions of the source. */
  srcKeyPaddingMask?: Input | null;
  /** A hint that `srcMask` is the causal mask; it requires `srcMask`. */
  srcIsCausal?: boolean;
}

/**
 * An encoder-decoder Transformer (PyTorch's `nn.Transformer`, "Attention Is All You Need"): an
 * encoder of `numEncoderLayers` layers and a final LayerNorm, and a decoder likewise, every
 * weight matrix drawn Xavier-uniform. Keys `encoder.layers.0.self_attn.in_proj_weight`, ...,
 * `encoder.norm.weight`, `decoder.layers.0.multihead_attn.out_proj.bias`, ..., `decoder.norm.bias`.
 *
 * @example
 * const model = new Transformer({ dModel: 32, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 64 });
 * const out = model.forward(src, tgt, { tgtMask: Transformer.generateSquareSubsequentMask(tgt.shape[0] ?? 0) });
 */
export class Transformer extends Module {
  readonly encoder: TransformerEncoder;
  readonly decoder: TransformerDecoder;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(options: TransformerOptions = {}) {
    super();
    const { dModel = 512, nhead = 8, numEncoderLayers = 6, numDecoderLayers = 6, ...layerOptions } = options;
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = layerOptions.batchFirst ?? false;
    const finalNorm = (): LayerNorm => new LayerNorm(dModel, { eps: layerOptions.layerNormEps ?? 1e-5, bias: layerOptions.bias ?? true, dtype: layerOptions.dtype, device: layerOptions.device });
    this.encoder = new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, layerOptions), numEncoderLayers, { norm: finalNorm() });
    this.decoder = new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, layerOptions), numDecoderLayers, { norm: finalNorm() });
    this.resetParameters();
  }

  /** Draws every weight matrix afresh, Xavier-uniform, as PyTorch's `_reset_parameters` (vectors keep their values). */
  resetParameters(): void {
    for (const parameter of this.parameters()) if (parameter.ndim > 1) xavierUniform(parameter);
  }

  /**
   * Encodes `src` ([S, N, E], or [N, S, E] with batchFirst, or [S, E] unbatched) and decodes `tgt`
   * ([T, N, E]) against it; returns [T, N, E].
   */
  forward(src: Input, tgt: Input, options: TransformerForwardOptions = {}): Variable {
    const batchDim = this.batchFirst ? 0 : 1;
    if (src.ndim !== tgt.ndim || (src.ndim === 3 && src.shape[batchDim] !== tgt.shape[batchDim])) {
      throw new Error(`Transformer: src ${formatShape(src.shape)} and tgt ${formatShape(tgt.shape)} must have the same rank and batch size (dim ${batchDim}${this.batchFirst ? ', batchFirst' : ''})`);
    }
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel) {
      throw new Error(`Transformer: the last dims of src ${formatShape(src.shape)} and tgt ${formatShape(tgt.shape)} must equal dModel (${this.dModel})`);
    }
    const { srcMask = null, srcKeyPaddingMask = null, srcIsCausal = false, ...decoderOptions } = options;
    const memory = this.encoder.forward(src, { mask: srcMask, srcKeyPaddingMask, isCausal: srcIsCausal });
    return this.decoder.forward(tgt, memory, decoderOptions);
  }

  /**
   * The causal mask of a sequence of `size`: float, 0 on and below the diagonal and −∞ above it,
   * as PyTorch's `generate_square_subsequent_mask`.
   */
  static generateSquareSubsequentMask(size: number, options: { device?: string; dtype?: DType } = {}): Tensor {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`generateSquareSubsequentMask: size must be a non-negative integer, got ${size}`);
    const { device, dtype = 'float32' } = options;
    // float32 positions (exact below 2^24): gpujs compares int32 only on the cpu fallback.
    const column = arange(0, size, 1, { dtype: 'float32', device }).reshape([1, size]);
    const row = arange(0, size, 1, { dtype: 'float32', device }).reshape([size, 1]);
    return zeros([size, size], { dtype, device }).maskedFill(column.gt(row), -Infinity);
  }
}
