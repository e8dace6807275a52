import type { KernelTable } from '@kindling/tensor';
import type { GpuJsBackend } from '../gpujs-backend.js';
import { concatConfig } from './concat.js';
import { castConfig, contiguousConfig, fillConfig } from './copy.js';
import { binaryConfig, compareConfig, unaryConfig, whereConfig } from './elementwise.js';
import { gatherConfig, oneHotConfig, scatterAddConfig } from './indexing.js';
import { crossEntropyConfig, crossEntropyGradConfig } from './loss.js';
import { matmulConfig } from './matmul.js';
import { adadeltaStepConfig, adagradStepConfig, adamStepConfig, rmspropStepConfig, sgdStepConfig } from './optimizer.js';
import { argReduceConfig, reduceConfig } from './reduce.js';
import { softmaxConfig } from './softmax.js';

/** Every gpujs kernel, listed explicitly; `registerGpuJsBackend` registers them. */
export const gpujsKernels: KernelTable<GpuJsBackend> = {
  Fill: fillConfig,
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
  CrossEntropy: crossEntropyConfig,
  CrossEntropyGrad: crossEntropyGradConfig,
  AdamStep: adamStepConfig,
  SgdStep: sgdStepConfig,
  AdadeltaStep: adadeltaStepConfig,
  RmspropStep: rmspropStepConfig,
  AdagradStep: adagradStepConfig,
};
