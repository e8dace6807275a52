import type { Variable } from '@kindling/autograd';
import { formatShape } from '@kindling/tensor';
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

/**
 * Splits dim `dim` into `sizes` (PyTorch's `nn.Unflatten`), the inverse of Flatten: with
 * `new Unflatten(1, [1, 28, 28])`, [N, 784] becomes [N, 1, 28, 28]. One size may be -1.
 */
export class Unflatten extends Module {
  readonly sizes: readonly number[];

  constructor(
    readonly dim: number,
    sizes: readonly number[],
  ) {
    super();
    if (!Number.isInteger(dim)) throw new RangeError(`Unflatten: dim must be an integer, got ${dim}`);
    if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < -1) || sizes.filter((s) => s === -1).length > 1) {
      throw new RangeError(`Unflatten: sizes must be non-negative integers with at most one -1, got ${JSON.stringify(sizes)}`);
    }
    this.sizes = [...sizes];
  }

  forward(input: Input): Variable {
    const x = asVariable(input);
    const dim = this.dim < 0 ? this.dim + x.ndim : this.dim;
    if (dim < 0 || dim >= x.ndim) throw new RangeError(`Unflatten: dim ${this.dim} is out of range for an input of shape ${formatShape(x.shape)}`);
    const known = this.sizes.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
    const size = x.shape[dim] as number;
    const fits = this.sizes.includes(-1) ? known > 0 && size % known === 0 : known === size;
    if (!fits) throw new Error(`Unflatten: sizes ${JSON.stringify(this.sizes)} do not multiply to dim ${this.dim} of the input's shape ${formatShape(x.shape)}`);
    return x.reshape([...x.shape.slice(0, dim), ...this.sizes, ...x.shape.slice(dim + 1)]);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, sizes=${JSON.stringify(this.sizes)}`;
  }
}
