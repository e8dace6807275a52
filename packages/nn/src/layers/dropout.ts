import type { Variable } from '@kindling/autograd';
import { dropout2d } from '../channel-dropout.js';
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

/**
 * Zeroes whole channels of [N, C, H, W] inputs with probability `p` in training mode and scales the
 * rest by 1 / (1 − p), as PyTorch's `nn.Dropout2d`; the identity in evaluation mode.
 */
export class Dropout2d extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`Dropout2d: the probability p must be in [0, 1], got ${p}`);
  }

  forward(input: Input): Variable {
    return dropout2d(input, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
