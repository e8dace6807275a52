import type { Variable } from '@kindling/autograd';
import { Module } from '../module.js';
import { asVariable, type Input } from '../parameter.js';

/**
 * Flattens dims `startDim` to `endDim` into one (PyTorch's `nn.Flatten`); the defaults keep the
 * batch dim, so [N, 1, 28, 28] images become [N, 784].
 */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(input: Input): Variable {
    return asVariable(input).flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
