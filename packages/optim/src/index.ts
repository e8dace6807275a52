export {
  Optimizer,
  type ForeachOption,
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
export { Adadelta, type AdadeltaOptions, type AdadeltaParamState, type AdadeltaSettings } from './adadelta.js';
export { RMSprop, type RMSpropOptions, type RMSpropParamState, type RMSpropSettings } from './rmsprop.js';
export { Adagrad, type AdagradOptions, type AdagradParamState, type AdagradSettings } from './adagrad.js';
export {
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  LRScheduler,
  MultiStepLR,
  StepLR,
  type CosineAnnealingLROptions,
  type ExponentialLROptions,
  type LinearLROptions,
  type LRSchedulerStateDict,
  type MultiStepLROptions,
  type SchedulableOptimizer,
  type StepLROptions,
} from './lr-scheduler.js';
export { OneCycleLR, type AnnealStrategy, type OneCycleLROptions, type MomentumSchedulableOptimizer } from './one-cycle-lr.js';
export { ReduceLROnPlateau, type PlateauMode, type ReduceLROnPlateauOptions, type ReduceLROnPlateauStateDict, type ThresholdMode } from './reduce-lr-on-plateau.js';
export type { SchedulerSetting } from './scheduler-settings.js';
