import type { Variable } from '@kindling/autograd';
import { dropout2d } from '../channel-dropout.js';
import { dropout } from '../functional.js';
import { Module } from '../module.js';
import type { Input } from '../parameter.js';

/** What Dropout and Dropout2d share: the probability, its check and the printout. */
abstract class DropoutLayer extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${this.constructor.name}: the probability p must be in [0, 1], got ${p}`);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Zeroes each element with probability `p` in training mode and scales the rest by 1 / (1 − p);
 * passes the input through in evaluation mode (`model.eval()`), as PyTorch's `nn.Dropout`.
 */
export class Dropout extends DropoutLayer {
  forward(input: Input): Variable {
    return dropout(input, this.p, this.training);
  }
}

/**
 * Zeroes whole channels of [N, C, H, W] inputs with probability `p` in training mode and scales the
 * rest by 1 / (1 − p), as PyTorch's `nn.Dropout2d`; the identity in evaluation mode.
 */
export class Dropout2d extends DropoutLayer {
  forward(input: Input): Variable {
    return dropout2d(input, this.p, this.training);
  }
}
