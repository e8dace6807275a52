import { composite, noGrad, type Variable } from '@kindling/autograd';
import { formatShape, tidy, type Tensor } from '@kindling/tensor';
import { asVariable, type Input } from './parameter.js';

/*
 * Batch and layer normalisation, composed from differentiable mean, sub, mul and sqrt, so that
 * their gradients come from the ops' rules and they run on every backend.
 */

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** The per-channel scale γ ([C]); none by default. */
  weight?: Input | null;
  /** The per-channel shift β ([C]); none by default. */
  bias?: Input | null;
  /** Normalise with the batch's statistics and update the running ones (default false, as PyTorch's `F.batch_norm`). */
  training?: boolean;
  /** The weight of the new batch in the running averages (default 0.1). */
  momentum?: number;
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
}

/**
 * `running ← (1 − weight)·running + weight·batch`, in place (`copy_`), as PyTorch's in-place
 * updates of the running statistics, so that a state dict taken earlier sees them. `weight` is a
 * scalar tensor for BatchNorm's cumulative average (1 / the batch count, which lives on the device).
 */
function blendInPlace(running: Tensor, batch: Tensor, weight: number | Tensor): void {
  tidy(() => {
    const weightOnDevice = typeof weight === 'number' ? weight : weight.to(running.dtype);
    running.copy_(running.sub(running.sub(batch.to(running.dtype).to(running.device)).mul(weightOnDevice)));
  });
}

/** [1, C, 1, ...]: a per-channel vector broadcast against an [N, C, ...] input. */
function perChannel(vector: Input, ndim: number): Variable {
  const v = asVariable(vector);
  return v.reshape([1, v.shape[0] as number, ...Array<number>(ndim - 2).fill(1)]);
}

/**
 * Batch normalisation over [N, C, ...] inputs, as PyTorch's `F.batch_norm`: per channel,
 * (x − mean) / √(var + eps) · weight + bias. With `training` the batch's mean and biased variance
 * are used and `runningMean` / `runningVar` (when given) move towards the batch's mean and unbiased
 * variance by `momentum`, in place and without recording gradients; otherwise the running
 * statistics are used.
 */
export function batchNorm(input: Input, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Variable {
  return normalizeBatch(input, runningMean, runningVar, options);
}

/** `batchNorm`, whose momentum may also be a scalar tensor, as BatchNorm's cumulative average needs. */
export function normalizeBatch(
  input: Input,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: Omit<BatchNormOptions, 'momentum'> & { momentum?: number | Tensor },
): Variable {
  const x = asVariable(input);
  const { training = false, eps = 1e-5 } = options;
  const inputs = [x, runningMean, runningVar, options.weight ?? null, options.bias ?? null];
  return composite('batchNorm', inputs, { training, eps }, () => batchNormChecked(x, runningMean, runningVar, options));
}

function batchNormChecked(
  x: Variable,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: Omit<BatchNormOptions, 'momentum'> & { momentum?: number | Tensor },
): Variable {
  const { training = false, momentum = 0.1, eps = 1e-5 } = options;
  if (x.ndim < 2) throw new Error(`batchNorm: expected an input of shape [N, C, ...], got ${formatShape(x.shape)}`);
  const channels = x.shape[1] as number;
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', options.weight], ['bias', options.bias]] as const) {
    if (t !== null && t !== undefined && formatShape(t.shape) !== formatShape([channels])) {
      throw new Error(`batchNorm: ${name} has shape ${formatShape(t.shape)}, but the input ${formatShape(x.shape)} has ${channels} channels (dim 1)`);
    }
  }
  const reduced = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
  const count = x.numel() / Math.max(channels, 1);
  let normalized: Variable;
  if (training) {
    if (count <= 1) throw new Error(`batchNorm: expected more than 1 value per channel when training, got an input of shape ${formatShape(x.shape)}`);
    const mean = x.mean(reduced, true);
    const centered = x.sub(mean);
    const variance = centered.mul(centered).mean(reduced, true);
    normalized = centered.div(variance.add(eps).sqrt());
    noGrad(() => {
      if (runningMean !== null) blendInPlace(runningMean, mean.data.reshape([channels]), momentum);
      // The running variance is the unbiased one, as PyTorch's.
      if (runningVar !== null) blendInPlace(runningVar, variance.data.reshape([channels]).mul(count / (count - 1)), momentum);
    });
  } else {
    if (runningMean === null || runningVar === null) throw new Error('batchNorm: evaluation (training false) needs runningMean and runningVar');
    normalized = x.sub(perChannel(runningMean, x.ndim)).div(perChannel(runningVar, x.ndim).add(eps).sqrt());
  }
  const scaled = options.weight ? normalized.mul(perChannel(options.weight, x.ndim)) : normalized;
  return options.bias ? scaled.add(perChannel(options.bias, x.ndim)) : scaled;
}

/** Options of `layerNorm`. */
export interface LayerNormOptions {
  /** The elementwise scale, of shape `normalizedShape`; none by default. */
  weight?: Input | null;
  /** The elementwise shift, of shape `normalizedShape`; none by default. */
  bias?: Input | null;
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
}

/**
 * Layer normalisation, as PyTorch's `F.layer_norm`: over the last dims, which must equal
 * `normalizedShape`, (x − mean) / √(var + eps) · weight + bias, with the biased variance.
 *
 * @example
 * F.layerNorm(tokens, [512]); // tokens: [batch, sequence, 512]
 */
export function layerNorm(input: Input, normalizedShape: number | readonly number[], options: LayerNormOptions = {}): Variable {
  const x = asVariable(input);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const trailing = x.shape.slice(x.ndim - shape.length);
  if (shape.length === 0 || shape.length > x.ndim || formatShape(trailing) !== formatShape(shape)) {
    throw new Error(`layerNorm: normalizedShape ${formatShape(shape)} must be the last dims of the input, whose shape is ${formatShape(x.shape)}`);
  }
  for (const [name, t] of [['weight', options.weight], ['bias', options.bias]] as const) {
    if (t && formatShape(t.shape) !== formatShape(shape)) throw new Error(`layerNorm: ${name} has shape ${formatShape(t.shape)}, expected normalizedShape ${formatShape(shape)}`);
  }
  const dims = shape.map((_, i) => x.ndim - shape.length + i);
  const eps = options.eps ?? 1e-5;
  return composite('layerNorm', [x, options.weight ?? null, options.bias ?? null], { normalizedShape: shape, eps }, () => {
    const centered = x.sub(x.mean(dims, true));
    const variance = centered.mul(centered).mean(dims, true);
    const normalized = centered.div(variance.add(eps).sqrt());
    const scaled = options.weight ? normalized.mul(options.weight) : normalized;
    return options.bias ? scaled.add(options.bias) : scaled;
  });
}
