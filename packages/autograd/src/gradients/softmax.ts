import { SAVES_OUTPUT, type GradientTableFor } from './rule.js';

export interface SoftmaxAttrs {
  /** Both ops are fused kernels with their own rule rather than compositions of exp, sum and div. */
  softmax: { readonly dim: number };
  logSoftmax: { readonly dim: number };
}

export const softmaxGradients: GradientTableFor<SoftmaxAttrs> = {
  softmax: {
    kernel: 'Softmax',
    saves: SAVES_OUTPUT,
    backward: (g, ctx) => {
      const y = ctx.output;
      // y * (g - sum(g * y)): the Jacobian diag(y) - y yᵀ applied to g without forming it.
      return [y.mul(g.sub(g.mul(y).sum(ctx.attrs.dim, true)))];
    },
  },
  logSoftmax: {
    kernel: 'Softmax',
    saves: SAVES_OUTPUT,
    backward: (g, ctx) => [g.sub(ctx.output.exp().mul(g.sum(ctx.attrs.dim, true)))],
  },
};
