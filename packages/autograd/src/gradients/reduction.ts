import { zeros, type Tensor } from '@kindling/tensor';
import { SAVES_NOTHING, type GradientTableFor, type NoAttrs } from './rule.js';

export interface ReduceAttrs {
  /** The reduced dims, non-negative and sorted. */
  readonly dims: readonly number[];
  readonly keepdim: boolean;
}

export interface ExtremumDimAttrs {
  readonly dim: number;
  /** The int32 positions of the extremes, with `dim` kept as size 1. */
  readonly indices: Tensor;
}

export interface ReductionAttrs {
  sum: ReduceAttrs;
  mean: ReduceAttrs;
  /** max and min over every element. */
  max: NoAttrs;
  min: NoAttrs;
  /** max(dim) and min(dim): the values part; the indices carry no gradient. */
  maxDim: ExtremumDimAttrs;
  minDim: ExtremumDimAttrs;
}

/** Spreads a reduced gradient back over the input's shape (a stride-0 view, no copy). */
function spread(g: Tensor, input: Tensor, { dims, keepdim }: ReduceAttrs): Tensor {
  const kept = keepdim ? g : g.reshape(input.shape.map((extent, d) => (dims.includes(d) ? 1 : extent)));
  return kept.expand(input.shape);
}

function reducedCount(input: Tensor, dims: readonly number[]): number {
  return dims.reduce((count, d) => count * (input.shape[d] as number), 1);
}

/**
 * max/min over every element: the gradient is shared evenly between tied extremes, as PyTorch does,
 * so that it does not depend on which of them a kernel happens to find first.
 */
function evenlyToExtremes(g: Tensor, input: Tensor, extreme: Tensor): Tensor {
  const isExtreme = input.eq(extreme);
  return g.div(isExtreme.sum()).where(isExtreme, 0);
}

/** Routes each value's gradient to the position its index names along `dim`. */
function toIndices(g: Tensor, input: Tensor, { dim, indices }: ExtremumDimAttrs): Tensor {
  const kept = g.ndim === indices.ndim ? g : g.unsqueeze(dim);
  return zeros(input.shape, { dtype: g.dtype, device: g.device }).scatterAdd(dim, indices, kept);
}

/** max and min compare the input with the extreme they found. */
const SAVES_EXTREMES = { inputs: [0], output: true } as const;

export const reductionGradients: GradientTableFor<ReductionAttrs> = {
  sum: { kernel: 'Reduce', saves: SAVES_NOTHING, backward: (g, ctx) => [spread(g, ctx.inputs[0], ctx.attrs)] },
  mean: {
    kernel: 'Reduce',
    saves: SAVES_NOTHING,
    backward: (g, ctx) => {
      const input = ctx.inputs[0];
      return [spread(g.div(reducedCount(input, ctx.attrs.dims)), input, ctx.attrs)];
    },
  },
  max: { kernel: 'Reduce', saves: SAVES_EXTREMES, backward: (g, ctx) => [evenlyToExtremes(g, ctx.inputs[0], ctx.output)] },
  min: { kernel: 'Reduce', saves: SAVES_EXTREMES, backward: (g, ctx) => [evenlyToExtremes(g, ctx.inputs[0], ctx.output)] },
  maxDim: { kernel: 'ArgReduce', saves: SAVES_NOTHING, backward: (g, ctx) => [toIndices(g, ctx.inputs[0], ctx.attrs)] },
  minDim: { kernel: 'ArgReduce', saves: SAVES_NOTHING, backward: (g, ctx) => [toIndices(g, ctx.inputs[0], ctx.attrs)] },
};
