import { stack, type Variable } from '@kindling/autograd';
import { formatShape } from '@kindling/tensor';
import { pad } from './padding.js';
import { asVariable, type Input } from './parameter.js';

/*
 * Sequence helpers for the recurrent layers, as PyTorch's `torch.nn.utils.rnn`:
 * `import { utils } from '@kindling/nn'; utils.rnn.padSequence(...)`.
 */

/** Options of `padSequence`. */
export interface PadSequenceOptions {
  /** The result as [batch, maxLength, ...] instead of [maxLength, batch, ...] (default false). */
  batchFirst?: boolean;
  /** The value the shorter sequences are padded with at their end (default 0). */
  paddingValue?: number;
}

/**
 * Stacks sequences of different lengths ([length_i, ...], the trailing dims equal) into one
 * [maxLength, batch, ...] Variable (or [batch, maxLength, ...] with `batchFirst`), each padded at
 * its end with `paddingValue`, as PyTorch's `pad_sequence`. Gradients flow back to each sequence.
 *
 * @example
 * const batch = utils.rnn.padSequence([randn(5, 8), randn(3, 8)], { batchFirst: true });
 * batch.shape; // [2, 5, 8]
 */
export function padSequence(sequences: readonly Input[], options: PadSequenceOptions = {}): Variable {
  const { batchFirst = false, paddingValue = 0 } = options;
  if (!Array.isArray(sequences) || sequences.length === 0) {
    throw new Error('padSequence: expected a non-empty array of sequences, each [length, ...features]');
  }
  const variables = sequences.map(asVariable);
  const first = variables[0] as Variable;
  const trailing = formatShape(first.shape.slice(1));
  variables.forEach((v, i) => {
    if (v.ndim === 0) throw new Error(`padSequence: sequence ${i} is 0-d; each sequence needs a length dim first`);
    if (formatShape(v.shape.slice(1)) !== trailing) {
      throw new Error(`padSequence: sequence ${i} has shape ${formatShape(v.shape)} but sequence 0 has ${formatShape(first.shape)}; all dims after the first (the length) must match`);
    }
  });
  const maxLength = Math.max(...variables.map((v) => v.shape[0] as number));
  const padded = variables.map((v) => {
    const missing = maxLength - (v.shape[0] as number);
    if (missing === 0) return v;
    // F.pad lists (before, after) pairs from the last dim backwards: only dim 0 gets an `after`.
    const pairs = new Array<number>(2 * v.ndim).fill(0);
    pairs[pairs.length - 1] = missing;
    return pad(v, pairs, 'constant', paddingValue);
  });
  return stack(padded, batchFirst ? 0 : 1);
}
