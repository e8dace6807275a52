import { reverseCumsum } from '@kindling/tensor';
import { SAVES_NOTHING, type GradientTableFor } from './rule.js';

export interface ScanAttrs {
  cumsum: { readonly dim: number };
  tril: { readonly diagonal: number };
  triu: { readonly diagonal: number };
}

export const scanGradients: GradientTableFor<ScanAttrs> = {
  // Each input element adds to every output at or after it along `dim`.
  cumsum: { kernel: 'Cumsum', saves: SAVES_NOTHING, backward: (g, ctx) => [g.ndim === 0 ? g : reverseCumsum(g, ctx.attrs.dim)] },
  tril: { kernel: 'Triangle', saves: SAVES_NOTHING, backward: (g, ctx) => [g.tril(ctx.attrs.diagonal)] },
  triu: { kernel: 'Triangle', saves: SAVES_NOTHING, backward: (g, ctx) => [g.triu(ctx.attrs.diagonal)] },
};
