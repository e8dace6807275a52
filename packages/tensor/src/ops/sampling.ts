import { isFloatingDType } from '../dtype.js';
import type { Generator } from '../random.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { rand } from './creation.js';
import { cast } from './elementwise.js';
import { topkIndices } from './scan.js';
import { tidy } from '../memory.js';
import { disposingAfter } from './support.js';

/*
 * Sampling from given probabilities, on the device from the generator's Philox streams (see
 * random.ts): no value is read back or uploaded, so a step that samples can run ahead of the GPU.
 */

/** Options of the sampling functions. */
export interface SamplingOptions {
  /** The generator to draw from (default: the one `manualSeed` seeds). */
  generator?: Generator;
}

function assertProbabilities(probs: Tensor, opName: string): void {
  probs.assertUsable(opName);
  if (!isFloatingDType(probs.dtype)) throw new TypeError(`${opName}: probabilities must be a floating-point tensor, got ${probs.dtype}; convert with t.float()`);
}

/** torch.bernoulli: 1 where a uniform draw falls below `probs` (elementwise), else 0, in probs' dtype and shape. */
export function bernoulli(probs: Tensor, options: SamplingOptions = {}): Tensor {
  assertProbabilities(probs, 'bernoulli');
  const draws = rand(probs.shape, { dtype: probs.dtype, device: probs.device, generator: options.generator });
  const hits = draws.lt(probs);
  return disposingAfter([draws, hits], [], () => cast(hits, probs.dtype));
}

/** Options of `multinomial`. */
export interface MultinomialOptions extends SamplingOptions {
  /** Draw with replacement (default false: each row's categories are drawn at most once, as PyTorch's default). */
  replacement?: boolean;
}

/**
 * torch.multinomial: `numSamples` int32 category indices per row of `probs` ([k], or [rows, k]),
 * drawn in proportion to the row's non-negative weights (they need not sum to 1). With
 * replacement each draw inverts the row's cumulative sum at a uniform draw; without, the Gumbel
 * top-k of log weights gives the categories in the order sequential draws would.
 *
 * @example
 * const next = multinomial(logits.softmax(-1), 1); // [rows, 1]: one token per row
 */
export function multinomial(probs: Tensor, numSamples: number, options: MultinomialOptions = {}): Tensor {
  assertProbabilities(probs, 'multinomial');
  if (probs.ndim !== 1 && probs.ndim !== 2) throw new Error(`multinomial: expected probabilities of shape [k] or [rows, k], got ${formatShape(probs.shape)}`);
  const categories = probs.shape[probs.ndim - 1] as number;
  const replacement = options.replacement ?? false;
  if (!Number.isInteger(numSamples) || numSamples <= 0) throw new RangeError(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  if (!replacement && numSamples > categories) {
    throw new RangeError(`multinomial: cannot draw ${numSamples} samples without replacement from ${categories} categories; pass { replacement: true }`);
  }
  const rows = probs.ndim === 1 ? probs.unsqueeze(0) : probs;
  const samples = replacement ? withReplacement(rows, numSamples, options.generator) : withoutReplacement(rows, numSamples, options.generator);
  if (rows !== probs) rows.dispose();
  if (probs.ndim === 2) return samples;
  const single = samples.squeeze(0);
  samples.dispose();
  return single;
}

/** The number of cumulative weights at or below a uniform draw scaled to the row's total: the drawn category. */
function withReplacement(rows: Tensor, numSamples: number, generator: Generator | undefined): Tensor {
  const [count, categories] = rows.shape as [number, number];
  return tidy(() => {
    const cdf = rows.cumsum(-1);
    const targets = rand([count, numSamples], { dtype: rows.dtype, device: rows.device, generator }).mul(cdf.narrow(1, categories - 1, 1));
    const counts = cdf.unsqueeze(1).le(targets.unsqueeze(2)).sum(-1);
    // Rounding in the cumulative sum cannot push a draw past the last category.
    return cast(counts, 'int32').clamp(0, categories - 1);
  });
}

/** Gumbel top-k: the k largest log(weight) − log(−log(u)) are k draws without replacement, in order. */
function withoutReplacement(rows: Tensor, numSamples: number, generator: Generator | undefined): Tensor {
  return tidy(() => {
    const gumbel = rand(rows.shape, { dtype: rows.dtype, device: rows.device, generator }).log().neg().log().neg();
    return topkIndices(rows.log().add(gumbel), numSamples, -1, true);
  });
}
