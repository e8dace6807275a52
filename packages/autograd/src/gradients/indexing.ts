import { zeros, type Tensor } from '@kindling/tensor';
import { gradsFor, SAVES_NOTHING, type GradientTableFor, type TwoInputs } from './rule.js';

export interface IndexAttrs {
  readonly dim: number;
  /** int32 positions; a constant, never differentiated. */
  readonly index: Tensor;
}

export interface IndexingAttrs {
  gather: IndexAttrs;
  indexSelect: IndexAttrs;
  /** Out-of-place scatterAdd(base, dim, index, src) and indexAdd: base and src get gradients. */
  scatterAdd: IndexAttrs;
  indexAdd: IndexAttrs;
  /** Joins its inputs along `dim` (normalised). */
  cat: { readonly dim: number };
}

/** scatterAdd and indexAdd take [base, src]; cat takes any number of tensors. */
export interface IndexingInputs {
  scatterAdd: TwoInputs;
  indexAdd: TwoInputs;
  cat: readonly Tensor[];
}

function zerosFor(input: Tensor, g: Tensor): Tensor {
  return zeros(input.shape, { dtype: g.dtype, device: g.device });
}

export const indexingGradients: GradientTableFor<IndexingAttrs, IndexingInputs> = {
  // A position picked twice receives both gradients: scatterAdd and indexAdd sum, they do not overwrite.
  gather: {
    kernel: 'Gather',
    saves: SAVES_NOTHING,
    backward: (g, ctx) => [zerosFor(ctx.inputs[0], g).scatterAdd(ctx.attrs.dim, ctx.attrs.index, g)],
  },
  indexSelect: {
    kernel: 'Gather',
    saves: SAVES_NOTHING,
    backward: (g, ctx) => [zerosFor(ctx.inputs[0], g).indexAdd(ctx.attrs.dim, ctx.attrs.index, g)],
  },
  // out = base + (src's entries added at index): base's gradient passes through, src's is read back where it went.
  scatterAdd: {
    kernel: 'ScatterAdd',
    saves: SAVES_NOTHING,
    backward: (g, ctx) => gradsFor(ctx, () => g, () => g.gather(ctx.attrs.dim, ctx.attrs.index)),
  },
  indexAdd: {
    kernel: 'ScatterAdd',
    saves: SAVES_NOTHING,
    backward: (g, ctx) => gradsFor(ctx, () => g, () => g.indexSelect(ctx.attrs.dim, ctx.attrs.index)),
  },
  cat: {
    kernel: 'Concat',
    saves: SAVES_NOTHING,
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
