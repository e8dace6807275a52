import { crossEntropyBackward, type LossReduction, type Tensor } from '@kindling/tensor';
import { SAVES_INPUT, type GradientTableFor } from './rule.js';

export interface LossAttrs {
  /** The int32 class indices (a constant) and the options the forward ran with. */
  crossEntropy: { readonly target: Tensor; readonly reduction: LossReduction; readonly ignoreIndex: number };
}

export const lossGradients: GradientTableFor<LossAttrs> = {
  // A fused kernel of its own: softmax − onehot per row, rather than the gradients of log-softmax, gather and mean in turn.
  crossEntropy: {
    kernel: 'CrossEntropy',
    saves: SAVES_INPUT,
    backward: (g, ctx) => [crossEntropyBackward(ctx.inputs[0], ctx.attrs.target, g, ctx.attrs)],
  },
};
