import type { CompleteKernelTable } from '../../../kernel-registry.js';
import type { CpuBackend } from '../cpu-backend.js';
import { assignConfig } from './assign.js';
import { binaryConfig, compareConfig, whereConfig } from './binary.js';
import { concatConfig } from './concat.js';
import { castConfig, contiguousConfig } from './copy.js';
import { fillConfig } from './fill.js';
import { gatherConfig, oneHotConfig, scatterAddConfig } from './indexing.js';
import { crossEntropyConfig, crossEntropyGradConfig } from './loss.js';
import { matmulConfig } from './matmul.js';
import { adadeltaStepConfig, adagradStepConfig, adamStepConfig, rmspropStepConfig, sgdStepConfig } from './optimizer.js';
import { randomConfig } from './random.js';
import { argReduceConfig, reduceConfig } from './reduce.js';
import { argsortConfig, cumsumConfig, triangleConfig } from './scan.js';
import { softmaxConfig } from './softmax.js';
import { unaryConfig } from './unary.js';
import { col2imConfig, im2colConfig, maxPool2dConfig, maxPool2dGradConfig } from './windows.js';

export { binaryImpl, compareImpl, whereImpl } from './binary.js';
export { concatImpl } from './concat.js';
export { castImpl, contiguousImpl } from './copy.js';
export { fillImpl } from './fill.js';
export { gatherImpl, oneHotImpl, scatterAddImpl } from './indexing.js';
export { crossEntropyGradImpl, crossEntropyImpl } from './loss.js';
export { matmulImpl } from './matmul.js';
export { adadeltaStepImpl, adagradStepImpl, adamStepImpl, rmspropStepImpl, sgdStepImpl } from './optimizer.js';
export { argReduceImpl, reduceImpl, reduceOutputDType } from './reduce.js';
export { softmaxImpl } from './softmax.js';
export { unaryImpl } from './unary.js';
export { col2imImpl, im2colImpl, maxPool2dGradImpl, maxPool2dImpl } from './windows.js';

/** Every cpu kernel, listed explicitly (the fallback runs them for other backends); `registerCpuBackend` registers them. */
export const cpuKernels: CompleteKernelTable<CpuBackend> = {
  Fill: fillConfig,
  Random: randomConfig,
  Contiguous: contiguousConfig,
  Cast: castConfig,
  Unary: unaryConfig,
  Binary: binaryConfig,
  Compare: compareConfig,
  Where: whereConfig,
  MatMul: matmulConfig,
  Reduce: reduceConfig,
  ArgReduce: argReduceConfig,
  Softmax: softmaxConfig,
  Gather: gatherConfig,
  ScatterAdd: scatterAddConfig,
  OneHot: oneHotConfig,
  Concat: concatConfig,
  Triangle: triangleConfig,
  Cumsum: cumsumConfig,
  Argsort: argsortConfig,
  CrossEntropy: crossEntropyConfig,
  CrossEntropyGrad: crossEntropyGradConfig,
  AdamStep: adamStepConfig,
  SgdStep: sgdStepConfig,
  AdadeltaStep: adadeltaStepConfig,
  RmspropStep: rmspropStepConfig,
  AdagradStep: adagradStepConfig,
  Assign: assignConfig,
  Im2Col: im2colConfig,
  Col2Im: col2imConfig,
  MaxPool2d: maxPool2dConfig,
  MaxPool2dGrad: maxPool2dGradConfig,
};
