import type { CompleteKernelTable } from '@kindling/tensor';
import type { WebGpuBackend } from '../webgpu-backend.js';
import { fillConfig, concatConfig, randomConfig } from './creation.js';
import { binaryConfig, castConfig, compareConfig, contiguousConfig, unaryConfig, whereConfig } from './elementwise.js';
import { assignConfig } from './in-place.js';
import { argsortConfig, cumsumConfig, gatherConfig, oneHotConfig, scatterAddConfig, triangleConfig } from './indexing.js';
import { crossEntropyConfig, crossEntropyGradConfig } from './loss.js';
import { matmulConfig } from './matmul.js';
import { adadeltaStepConfig, adagradStepConfig, adamStepConfig, rmspropStepConfig, sgdStepConfig } from './optimizer.js';
import { argReduceConfig, reduceConfig, softmaxConfig } from './reduce.js';
import { col2imConfig, im2colConfig, maxPool2dConfig, maxPool2dGradConfig } from './windows.js';

/**
 * Every kernel of the `webgpu` backend, one per kernel name: a missing one is a compile error. The
 * cpu fallback cannot serve this backend (its buffers are not host-visible, and a kernel run on host
 * copies would have to wait for the queue in the middle of recording), so each kernel runs here.
 */
export const webGpuKernels: CompleteKernelTable<WebGpuBackend> = {
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
