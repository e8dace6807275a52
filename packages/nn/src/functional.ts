import { composite, crossEntropy as fusedCrossEntropy, Variable } from '@kindling/autograd';
import { formatShape, rand, shapeSize, type Tensor } from '@kindling/tensor';
import { checkClassification, nllFromLogProbs, reduceLosses, type LossReduction } from './loss-support.js';
import { asVariable, type Input } from './parameter.js';

/*
 * Stateless versions of the layers and losses (PyTorch's `torch.nn.functional`), usually imported
 * as `F`. Each takes Variables or plain Tensors and returns a Variable, built from autograd's
 * differentiable ops, so gradients come from their rules and need no code here.
 */

export type { LossReduction } from './loss-support.js';
export { conv1d, conv2d, type Conv1dOptions, type Conv2dOptions } from './convolution.js';
export { adaptiveAvgPool2d, avgPool2d, maxPool2d, type AvgPool2dOptions, type MaxPool2dOptions } from './pooling.js';

/** max(x, 0), elementwise. */
export function relu(input: Input): Variable {
  return asVariable(input).relu();
}

/** 1 / (1 + e^-x), elementwise. */
export function sigmoid(input: Input): Variable {
  return asVariable(input).sigmoid();
}

/** tanh(x), elementwise. */
export function tanh(input: Input): Variable {
  return asVariable(input).tanh();
}

/**
 * `input @ weightᵀ + bias`, PyTorch's `F.linear`: `weight` is [outFeatures, inFeatures] and `input`
 * is [..., inFeatures].
 */
export function linear(input: Input, weight: Input, bias?: Input | null): Variable {
  const x = asVariable(input);
  const w = asVariable(weight);
  if (w.ndim !== 2) throw new Error(`linear: the weight must be 2-D [outFeatures, inFeatures], got shape ${formatShape(w.shape)}`);
  const inFeatures = w.shape[1] as number;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new Error(`linear: the input has shape ${formatShape(x.shape)}, but the weight ${formatShape(w.shape)} expects inputs whose last dim is ${inFeatures}`);
  }
  const b = bias === undefined || bias === null ? null : asVariable(bias);
  return composite('linear', [x, w, b], {}, () => {
    // Leading dims are flattened into rows, as PyTorch's addmm: one product, whose weight gradient
    // is one product too, instead of a batch of products broadcasting the weight and a sum over them.
    const leading = x.shape.slice(0, -1);
    const rows = x.ndim > 2 ? x.reshape([shapeSize(leading), inFeatures]) : x;
    const flat = rows.matmul(w.transpose(0, 1));
    const product = x.ndim > 2 ? flat.reshape([...leading, w.shape[0] as number]) : flat;
    return b === null ? product : product.add(b);
  });
}

/** e^x / Σ e^x along `dim`. */
export function softmax(input: Input, dim: number): Variable {
  return asVariable(input).softmax(dim);
}

/** log(softmax(x)) along `dim`, computed stably in one kernel. */
export function logSoftmax(input: Input, dim: number): Variable {
  return asVariable(input).logSoftmax(dim);
}

/** Options shared by the classification losses. */
export interface NllLossOptions {
  /** 'mean' (default) over the targets that are not ignored, 'sum', or 'none' for one loss per sample. */
  reduction?: LossReduction;
  /** Targets equal to this contribute nothing and are left out of the mean (default -100, as PyTorch). */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** ε in [0, 1]: the target becomes (1 - ε)·one-hot + ε/C, as PyTorch's `label_smoothing` (default 0). */
  labelSmoothing?: number;
}

/**
 * The negative log-likelihood of int32 class `target`s ([N]) under `logProbs` ([N, C], or [C]
 * with a 0-d target), as `F.nll_loss`: −logProbs[i, target[i]], reduced.
 */
export function nllLoss(logProbs: Input, target: Tensor, options: NllLossOptions = {}): Variable {
  return nllFromLogProbs(asVariable(logProbs), target, 0, options, 'nllLoss');
}

/**
 * Cross-entropy between `logits` ([N, C], or [C] with a 0-d target) and int32 class indices
 * `target` ([N]), as `F.cross_entropy`: logSoftmax then nllLoss, with optional label smoothing.
 *
 * @example
 * const loss = F.crossEntropy(net.forward(images), labels); // labels: int32 [N]
 * loss.backward();
 */
export function crossEntropy(logits: Input, target: Tensor, options: CrossEntropyOptions = {}): Variable {
  const x = asVariable(logits);
  const smoothing = options.labelSmoothing ?? 0;
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) {
    throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${smoothing}`);
  }
  if (x.ndim !== 1 && x.ndim !== 2) {
    throw new Error(`crossEntropy: expected logits of shape [N, C] (or [C] for one sample), got ${formatShape(x.shape)}`);
  }
  if (smoothing > 0) return nllFromLogProbs(x.logSoftmax(x.ndim - 1), target, smoothing, options, 'crossEntropy');
  // Without smoothing the whole loss is one fused kernel forward and one backward.
  const { reduction, ignoreIndex, unbatched } = checkClassification(x, target, options, 'crossEntropy');
  if (!unbatched) return fusedCrossEntropy(x, target, { reduction, ignoreIndex });
  const loss = fusedCrossEntropy(x.unsqueeze(0), target.reshape([1]), { reduction, ignoreIndex });
  return reduction === 'none' ? loss.squeeze(0) : loss;
}

/** The mean squared error (input − target)², reduced, as `F.mse_loss`; both must have one shape. */
export function mseLoss(input: Input, target: Input, options: { reduction?: LossReduction } = {}): Variable {
  const x = asVariable(input);
  const y = asVariable(target);
  if (formatShape(x.shape) !== formatShape(y.shape)) {
    // PyTorch broadcasts here with a warning; a [N, 1] output against a [N] target would silently
    // give an [N, N] loss, so a mismatch is an error instead.
    throw new Error(`mseLoss: the input has shape ${formatShape(x.shape)} but the target has shape ${formatShape(y.shape)}; they must match`);
  }
  const diff = x.sub(y);
  return reduceLosses(diff.mul(diff), options.reduction ?? 'mean', undefined, 'mseLoss');
}

/**
 * Zeroes each element with probability `p` and scales the rest by 1 / (1 − p) while `training`
 * (default true), so the expected value is unchanged; the identity otherwise. The mask comes from
 * the seeded default generator.
 */
export function dropout(input: Input, p = 0.5, training = true): Variable {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new RangeError(`dropout: the probability p must be in [0, 1], got ${p}`);
  }
  const x = asVariable(input);
  if (!training || p === 0) return x;
  // p = 1 drops everything; the scale 1 / (1 - p) would be infinite, so zeros are returned directly.
  if (p === 1) return x.mul(0);
  return composite('dropout', [x], { p }, () => {
    const keep = rand(x.shape, { device: x.device }).ge(p);
    return x.mul(1 / (1 - p)).where(keep, 0);
  });
}
export { elu, erf, gelu, leakyRelu, silu, type GeluOptions } from './activations.js';
export { batchNorm, layerNorm, type BatchNormOptions, type LayerNormOptions } from './normalization.js';
export { embedding, type EmbeddingOptions } from './embedding.js';
export { dropout2d } from './channel-dropout.js';
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from './attention.js';
export { rmsNorm, type RmsNormOptions } from './rms-norm.js';
export { pad, type PadMode } from './padding.js';
export { convTranspose1d, convTranspose2d, type ConvTranspose1dOptions, type ConvTranspose2dOptions } from './transposed-convolution.js';
export { interpolate, type InterpolateMode, type InterpolateOptions } from './interpolate.js';

export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  huberLoss,
  klDiv,
  l1Loss,
  smoothL1Loss,
  type BinaryCrossEntropyOptions,
  type BinaryCrossEntropyWithLogitsOptions,
  type HuberLossOptions,
  type KlDivOptions,
  type KlDivReduction,
  type ReductionOptions,
  type SmoothL1LossOptions,
} from './pointwise-losses.js';
