import type { Tensor } from '@kindling/tensor';
import { SAVES_INPUTS, type GradientTableFor, type NoAttrs, type TwoInputs } from './rule.js';

export interface MatmulAttrs {
  /** Both operands have at least two dims: the forward adds and removes the unit dims of 1-D operands as views. */
  matmul: NoAttrs;
}

export interface MatmulInputs {
  matmul: TwoInputs;
}

/** Whether the matrices in `t`'s last two dims are stored column by column. */
function isColumnMajor(t: Tensor): boolean {
  const rank = t.ndim;
  return t.strides[rank - 2] === 1 && t.strides[rank - 1] !== 1 && (t.shape[rank - 1] as number) > 1;
}

export const matmulGradients: GradientTableFor<MatmulAttrs, MatmulInputs> = {
  matmul: {
    kernel: 'MatMul',
    saves: SAVES_INPUTS,
    backward: (g, ctx) => {
      const [a, b] = ctx.inputs;
      // Both products carry the broadcast batch dims; reduceToShape sums them away for an operand
      // that had fewer.
      // An operand stored column-major (a transposed view, such as Linear's w.T) gets its gradient
      // as the transpose of a row-major product, so it arrives in the operand's own layout and the
      // transposes cancel on the way back to the leaf instead of costing a copy there.
      // b's gradient (a layer's weight) is issued first: a's is then the last product made before
      // the next node's backward reads it (an activation's mask), and a backend that fuses
      // elementwise epilogues into a matmul (webgpu) joins that backward to it.
      const gradB = ctx.needsInputGrad[1] ? (isColumnMajor(b) ? g.transpose(-1, -2).matmul(a).transpose(-1, -2) : a.transpose(-1, -2).matmul(g)) : null;
      const gradA = ctx.needsInputGrad[0] ? (isColumnMajor(a) ? b.matmul(g.transpose(-1, -2)).transpose(-1, -2) : g.matmul(b.transpose(-1, -2))) : null;
      return [gradA, gradB];
    },
  },
};
