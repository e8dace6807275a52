import { zeros, type Tensor } from '@kindling/tensor';
import type { GradientTableFor } from './rule.js';

export interface IndexAttrs {
  readonly dim: number;
  /** int32 positions; a constant, never differentiated. */
  readonly index: Tensor;
}

export interface IndexingAttrs {
  gather: IndexAttrs;
  indexSelect: IndexAttrs;
  /** Joins its inputs along `dim` (normalised). */
  cat: { readonly dim: number };
}

function zerosFor(input: Tensor, g: Tensor): Tensor {
  return zeros(input.shape, { dtype: g.dtype, device: g.device });
}

export const indexingGradients: GradientTableFor<IndexingAttrs> = {
  // A position picked twice receives both gradients: scatterAdd and indexAdd sum, they do not overwrite.
  gather: {
    kernel: 'Gather',
    backward: (g, ctx) => [zerosFor(ctx.inputs[0] as Tensor, g).scatterAdd(ctx.attrs.dim, ctx.attrs.index, g)],
  },
  indexSelect: {
    kernel: 'Gather',
    backward: (g, ctx) => [zerosFor(ctx.inputs[0] as Tensor, g).indexAdd(ctx.attrs.dim, ctx.attrs.index, g)],
  },
  cat: {
    kernel: 'Concat',
    backward: (g, ctx) => {
      const { dim } = ctx.attrs;
      let start = 0;
      return ctx.inputs.map((input, i) => {
        const length = input.shape[dim] as number;
        const piece = ctx.needsInputGrad[i] ? g.narrow(dim, start, length) : null;
        start += length;
        return piece;
      });
    },
  },
};
