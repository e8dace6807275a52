import type { Tensor } from '@kindling/tensor';
import { gradsFor, type GradientTableFor, type NoAttrs } from './rule.js';

export interface MatmulAttrs {
  /** Both operands have at least two dims: the forward adds and removes the unit dims of 1-D operands as views. */
  matmul: NoAttrs;
}

export const matmulGradients: GradientTableFor<MatmulAttrs> = {
  matmul: {
    kernel: 'MatMul',
    backward: (g, ctx) => {
      const [a, b] = ctx.inputs as [Tensor, Tensor];
      // Both products carry the broadcast batch dims; reduceToShape sums them away for an operand
      // that had fewer.
      return gradsFor(
        ctx,
        () => g.matmul(b.transpose(-1, -2)),
        () => a.transpose(-1, -2).matmul(g),
      );
    },
  },
};
