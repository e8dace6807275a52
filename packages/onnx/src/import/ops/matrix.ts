import { einsum } from '@kindling/autograd';
import { input, inputNumbers, unsupported, type OpTable } from '../op-types.js';

/* Triangular masks and Einstein sums over the last dims. */

export const matrixOps: OpTable = {
  /** The upper (upper=1, the default) or lower triangle of the last two dims, from the k-th diagonal. */
  Trilu: {
    attributes: ['upper'],
    run: (ctx) => {
      const x = input(ctx, 0);
      const k = inputNumbers(ctx, 1, 'k')?.[0] ?? 0;
      return [ctx.attrs.int('upper', 1) === 1 ? x.triu(k) : x.tril(k)];
    },
  },
  Einsum: {
    attributes: ['equation'],
    check: (attrs, node) => {
      if (attrs.string('equation', '').includes('...')) {
        throw unsupported(node.where, 'Einsum ellipsis', "an equation with an ellipsis ('...') is not supported (supported: every dim named with a letter)");
      }
    },
    // ONNX allows spaces in the equation; torch.einsum's grammar, which Kindling follows, has none.
    run: (ctx) => [einsum(ctx.attrs.string('equation', '').replace(/\s+/g, ''), ...ctx.inputs.map((_, i) => input(ctx, i)))],
  },
};
