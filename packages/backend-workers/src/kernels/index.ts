import { registerKernelTable, type KernelTable } from '@kindling/tensor';
import type { WorkersBackend } from '../workers-backend.js';
import { contiguousConfig, fillConfig } from './copy.js';
import { binaryConfig, compareConfig, unaryConfig, whereConfig } from './elementwise.js';
import { matmulConfig } from './matmul.js';
import { adadeltaStepConfig, adagradStepConfig, adamStepConfig, rmspropStepConfig, sgdStepConfig } from './optimizer.js';
import { reduceConfig } from './reduce.js';
import { softmaxConfig } from './softmax.js';
import { col2imConfig, im2colConfig, maxPool2dConfig, maxPool2dGradConfig } from './windows.js';

/**
 * The kernels the `workers` backend accelerates. Those off the hot paths (casts,
 * arg-reductions, gathers and scatters of 128 labels, joins, cross-entropy)
 * are not registered: the cpu fallback runs them on the shared memory in place (its hostAccess),
 * measured at under 0.1 ms a step each.
 */
export const workersKernels: KernelTable<WorkersBackend> = {
  Fill: fillConfig,
  Contiguous: contiguousConfig,
  Unary: unaryConfig,
  Binary: binaryConfig,
  Compare: compareConfig,
  Where: whereConfig,
  MatMul: matmulConfig,
  Reduce: reduceConfig,
  Softmax: softmaxConfig,
  AdamStep: adamStepConfig,
  SgdStep: sgdStepConfig,
  AdadeltaStep: adadeltaStepConfig,
  RmspropStep: rmspropStepConfig,
  AdagradStep: adagradStepConfig,
  Im2Col: im2colConfig,
  Col2Im: col2imConfig,
  MaxPool2d: maxPool2dConfig,
  MaxPool2dGrad: maxPool2dGradConfig,
};

/** Registers every workers kernel that is not registered yet. */
export function registerWorkersKernels(): void {
  registerKernelTable(workersKernels);
}
