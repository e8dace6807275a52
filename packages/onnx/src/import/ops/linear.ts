import type { Variable } from '@kindling/autograd';
import { input, type OpTable } from '../op-types.js';

/* Matrix products. */

export const linearOps: OpTable = {
  MatMul: { attributes: [], run: (ctx) => [input(ctx, 0).matmul(input(ctx, 1))] },
  /** alpha·A′·B′ + beta·C, where A′ and B′ are A and B, transposed when asked. */
  Gemm: {
    attributes: ['alpha', 'beta', 'transA', 'transB', 'broadcast'],
    run: (ctx) => {
      const a = ctx.attrs.int('transA', 0) === 1 ? input(ctx, 0).transpose(0, 1) : input(ctx, 0);
      const b = ctx.attrs.int('transB', 0) === 1 ? input(ctx, 1).transpose(0, 1) : input(ctx, 1);
      const alpha = ctx.attrs.float('alpha', 1);
      const beta = ctx.attrs.float('beta', 1);
      const product: Variable = alpha === 1 ? a.matmul(b) : a.matmul(b).mul(alpha);
      const c = ctx.inputs[2]?.variable;
      if (c === undefined) return [product];
      return [product.add(beta === 1 ? c : c.mul(beta))];
    },
  },
};
