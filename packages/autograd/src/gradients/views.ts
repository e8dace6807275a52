import type { Tensor } from '@kindling/tensor';
import { windowGradient } from '../window-gradients.js';
import { SAVES_NOTHING, type GradContext, type GradientRule, type GradientTableFor, type NoAttrs } from './rule.js';

export interface SliceAttrs {
  /** Normalised: a non-negative dim and the first index actually taken. */
  readonly dim: number;
  readonly start: number;
  readonly step: number;
}

export interface ViewAttrs {
  reshape: NoAttrs;
  view: NoAttrs;
  flatten: NoAttrs;
  squeeze: NoAttrs;
  unsqueeze: NoAttrs;
  transpose: { readonly dim0: number; readonly dim1: number };
  permute: { readonly dims: readonly number[] };
  expand: NoAttrs;
  slice: SliceAttrs;
  narrow: SliceAttrs;
  /** One entry of `dim`, which the output drops. */
  select: SliceAttrs;
  contiguous: NoAttrs;
  clone: NoAttrs;
}

/** Every op that only changes the shape (same elements, same order) undoes itself with a reshape. */
const reshapeBack: GradientRule<NoAttrs> = {
  kernel: 'view',
  saves: SAVES_NOTHING,
  backward: (g, ctx) => [g.reshape(ctx.inputs[0].shape)],
};

const identity: GradientRule<NoAttrs> = { kernel: 'Contiguous', saves: SAVES_NOTHING, backward: (g) => [g] };

/**
 * The gradient of the taken entries, marked as a window of the input: backward writes it into a
 * zero tensor of the input's shape, or adds it in place into the one an earlier window started.
 */
function sliceBack(g: Tensor, ctx: GradContext<SliceAttrs>): Tensor {
  const { dim, start, step } = ctx.attrs;
  return windowGradient(g, { shape: ctx.inputs[0].shape, dim, start, step });
}

export const viewGradients: GradientTableFor<ViewAttrs> = {
  reshape: reshapeBack,
  view: reshapeBack,
  flatten: reshapeBack,
  squeeze: reshapeBack,
  unsqueeze: reshapeBack,
  transpose: { kernel: 'view', saves: SAVES_NOTHING, backward: (g, ctx) => [g.transpose(ctx.attrs.dim0, ctx.attrs.dim1)] },
  permute: {
    kernel: 'view',
    saves: SAVES_NOTHING,
    backward: (g, ctx) => {
      const inverse = new Array<number>(ctx.attrs.dims.length);
      ctx.attrs.dims.forEach((from, to) => (inverse[from] = to));
      return [g.permute(inverse)];
    },
  },
  // The gradient keeps the expanded shape: reduceToShape sums the broadcast dims, as for any broadcast.
  expand: { kernel: 'view', saves: SAVES_NOTHING, backward: (g) => [g] },
  slice: { kernel: 'view', saves: SAVES_NOTHING, backward: (g, ctx) => [sliceBack(g, ctx)] },
  narrow: { kernel: 'view', saves: SAVES_NOTHING, backward: (g, ctx) => [sliceBack(g, ctx)] },
  select: { kernel: 'view', saves: SAVES_NOTHING, backward: (g, ctx) => [sliceBack(g.unsqueeze(ctx.attrs.dim), ctx)] },
  contiguous: identity,
  clone: identity,
};
