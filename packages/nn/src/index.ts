export { Module, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { Parameter, asVariable, type Input, type ParameterOptions } from './parameter.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { Conv1d, Conv2d, type Conv1dLayerOptions, type Conv2dLayerOptions, type PaddingMode } from './layers/conv.js';
export { ConvTranspose1d, ConvTranspose2d, type ConvTranspose1dLayerOptions, type ConvTranspose2dLayerOptions } from './layers/conv-transpose.js';
export { Upsample } from './layers/upsampling.js';
export type { ConvTranspose1dOptions, ConvTranspose2dOptions, InterpolateMode, InterpolateOptions } from './functional.js';
export { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from './layers/pooling.js';
export { ReLU, Sigmoid, Tanh } from './layers/activation.js';
export { Dropout } from './layers/dropout.js';
export { Flatten } from './layers/flatten.js';
export { Sequential, type Layer } from './layers/sequential.js';
export { CrossEntropyLoss, MSELoss, NLLLoss } from './loss.js';
export type { PadMode } from './padding.js';
export type { AvgPool2dOptions, Conv1dOptions, Conv2dOptions, CrossEntropyOptions, LossReduction, MaxPool2dOptions, NllLossOptions } from './functional.js';
export { save, load, loadWithMetadata, writeFileAtomically, type LoadOptions } from './safetensors/io.js';
export { serialize, deserialize, type SafetensorsContents } from './safetensors/format.js';
/** Stateless layers and losses, as PyTorch's `torch.nn.functional`: `import { functional as F } from '@kindling/nn'`. */
export * as functional from './functional.js';
/** Weight initialisers, as PyTorch's `torch.nn.init`. */
export * as init from './init.js';
export { BCELoss, BCEWithLogitsLoss, HuberLoss, KLDivLoss, L1Loss, SmoothL1Loss } from './loss.js';
export type {
  BinaryCrossEntropyOptions,
  BinaryCrossEntropyWithLogitsOptions,
  HuberLossOptions,
  KlDivOptions,
  KlDivReduction,
  ReductionOptions,
  SmoothL1LossOptions,
} from './pointwise-losses.js';
export { type RegisterBufferOptions } from './module.js';
export { ELU, GELU, Identity, LeakyReLU, LogSoftmax, SiLU, Softmax } from './layers/activation.js';
export { Dropout2d } from './layers/dropout.js';
export { Unflatten } from './layers/flatten.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm, type BatchNormLayerOptions, type LayerNormLayerOptions } from './layers/normalization.js';
export { Embedding, type EmbeddingLayerOptions } from './layers/embedding.js';
export { ModuleDict, ModuleList } from './layers/containers.js';
export { MultiheadAttention, type MultiheadAttentionForwardOptions, type MultiheadAttentionOptions } from './layers/multihead-attention.js';
export {
  TransformerDecoderLayer,
  TransformerEncoderLayer,
  type DecoderLayerForwardOptions,
  type EncoderLayerForwardOptions,
  type TransformerActivation,
  type TransformerLayerOptions,
} from './layers/transformer-layers.js';
export {
  Transformer,
  TransformerDecoder,
  TransformerEncoder,
  type EncoderForwardOptions,
  type TransformerForwardOptions,
  type TransformerOptions,
  type TransformerStackOptions,
} from './layers/transformer.js';
export { RMSNorm, type RmsNormLayerOptions } from './layers/rms-norm.js';
export type { RmsNormOptions, ScaledDotProductAttentionOptions } from './functional.js';
export { GRU, LSTM, RNN, type LSTMOptions, type RecurrentOptions, type RNNOptions } from './layers/recurrent.js';
export { GRUCell, LSTMCell, RNNCell, type RecurrentCellOptions, type RNNCellOptions, type RnnNonlinearity } from './layers/recurrent-cells.js';
export type { PadSequenceOptions } from './rnn-utils.js';
export type { BatchNormOptions, EmbeddingOptions, GeluOptions, LayerNormOptions } from './functional.js';
/** Gradient clipping, as PyTorch's `torch.nn.utils`: `utils.clipGradNorm(model.parameters(), 1)`. */
export * as utils from './utils.js';
