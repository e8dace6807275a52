import { elementwiseGradients, type ElementwiseAttrs, type ElementwiseInputs } from './elementwise.js';
import { indexingGradients, type IndexingAttrs, type IndexingInputs } from './indexing.js';
import { lossGradients, type LossAttrs } from './loss.js';
import { matmulGradients, type MatmulAttrs, type MatmulInputs } from './matmul.js';
import { reductionGradients, type ReductionAttrs } from './reduction.js';
import { scanGradients, type ScanAttrs } from './scan.js';
import type { GradientTableFor } from './rule.js';
import { softmaxGradients, type SoftmaxAttrs } from './softmax.js';
import { viewGradients, type ViewAttrs } from './views.js';
import { windowsGradients, type WindowsAttrs, type WindowsInputs } from './windows.js';

export type { GradContext, GradientRule, NoAttrs, OneInput, SavedForBackward, TwoInputs } from './rule.js';

/** Every differentiable op's name and the attributes its gradient needs. */
export type OpAttrs = ElementwiseAttrs & MatmulAttrs & ReductionAttrs & SoftmaxAttrs & LossAttrs & IndexingAttrs & ViewAttrs & WindowsAttrs & ScanAttrs;

export type OpName = keyof OpAttrs;

/** The ops whose gradient rules receive other than one forward operand, and the operands they receive. */
export type OpInputs = ElementwiseInputs & MatmulInputs & IndexingInputs & WindowsInputs;

/**
 * The gradient table: one rule per op, keyed by op name and shared by every backend (the rules
 * only call public tensor ops). Adding an op means adding its attributes and its rule here.
 */
export const GRADIENTS: GradientTableFor<OpAttrs, OpInputs> = {
  ...elementwiseGradients,
  ...matmulGradients,
  ...reductionGradients,
  ...softmaxGradients,
  ...lossGradients,
  ...indexingGradients,
  ...viewGradients,
  ...windowsGradients,
  ...scanGradients,
};
