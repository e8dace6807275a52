import { elementwiseGradients, type ElementwiseAttrs } from './elementwise.js';
import { indexingGradients, type IndexingAttrs } from './indexing.js';
import { lossGradients, type LossAttrs } from './loss.js';
import { matmulGradients, type MatmulAttrs } from './matmul.js';
import { reductionGradients, type ReductionAttrs } from './reduction.js';
import type { GradientTableFor } from './rule.js';
import { softmaxGradients, type SoftmaxAttrs } from './softmax.js';
import { viewGradients, type ViewAttrs } from './views.js';

export type { GradContext, GradientRule, NoAttrs } from './rule.js';

/** Every differentiable op's name and the attributes its gradient needs. */
export type OpAttrs = ElementwiseAttrs & MatmulAttrs & ReductionAttrs & SoftmaxAttrs & LossAttrs & IndexingAttrs & ViewAttrs;

export type OpName = keyof OpAttrs;

/**
 * The gradient table: one rule per op, keyed by op name and shared by every backend (the rules
 * only call public tensor ops). Adding an op means adding its attributes and its rule here.
 */
export const GRADIENTS: GradientTableFor<OpAttrs> = {
  ...elementwiseGradients,
  ...matmulGradients,
  ...reductionGradients,
  ...softmaxGradients,
  ...lossGradients,
  ...indexingGradients,
  ...viewGradients,
};
