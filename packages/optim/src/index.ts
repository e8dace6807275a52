export {
  Optimizer,
  type OptimizableParameter,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type ZeroGradOptions,
} from './optimizer.js';
export type { StateKeys } from './state-dict-check.js';
export { SGD, type SgdOptions, type SgdParamState, type SgdSettings } from './sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamParamState, type AdamSettings, type AdamWOptions } from './adam.js';
export {
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  LRScheduler,
  StepLR,
  type CosineAnnealingLROptions,
  type ExponentialLROptions,
  type LinearLROptions,
  type LRSchedulerStateDict,
  type SchedulableOptimizer,
  type StepLROptions,
} from './lr-scheduler.js';
