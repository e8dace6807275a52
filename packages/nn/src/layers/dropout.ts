import type { Variable } from '@kindling/autograd';
import { dropout } from '../functional.js';
import { Module } from '../module.js';
import type { Input } from '../parameter.js';

/**
 * Zeroes each element with probability `p` in training mode and scales the rest by 1 / (1 − p);
 * passes the input through in evaluation mode (`model.eval()`), as PyTorch's `nn.Dropout`.
 */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`Dropout: the probability p must be in [0, 1], got ${p}`);
  }

  forward(input: Input): Variable {
    return dropout(input, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
