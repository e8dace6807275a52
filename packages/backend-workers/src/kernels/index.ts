import { registerKernelTable, type KernelTable } from '@kindling/tensor';
import type { WorkersBackend } from '../workers-backend.js';
import { contiguousConfig, fillConfig } from './copy.js';
import { binaryConfig, compareConfig, unaryConfig, whereConfig } from './elementwise.js';
import { fallback } from './fallback.js';
import { matmulConfig } from './matmul.js';
import { adamStepConfig, sgdStepConfig } from './optimizer.js';
import { reduceConfig } from './reduce.js';


/**
 * Every kernel of the `workers` backend. Those off the tutorial's hot path (casts, arg-reductions,
 * softmax on [128, 10], gathers and scatters of 128 labels, joins) run the cpu kernel on the
 * shared memory: measured, each costs under 0.1 ms a step there.
 */
export const workersKernels: KernelTable<WorkersBackend> = {
  Fill: fillConfig,
  Contiguous: contiguousConfig,
  Cast: { kernelName: 'Cast', backendName: 'workers', kernelFunc: fallback.Cast },
  Unary: unaryConfig,
  Binary: binaryConfig,
  Compare: compareConfig,
  Where: whereConfig,
  MatMul: matmulConfig,
  Reduce: reduceConfig,
  ArgReduce: { kernelName: 'ArgReduce', backendName: 'workers', kernelFunc: fallback.ArgReduce },
  Softmax: { kernelName: 'Softmax', backendName: 'workers', kernelFunc: fallback.Softmax },
  Gather: { kernelName: 'Gather', backendName: 'workers', kernelFunc: fallback.Gather },
  IndexSelect: { kernelName: 'IndexSelect', backendName: 'workers', kernelFunc: fallback.IndexSelect },
  ScatterAdd: { kernelName: 'ScatterAdd', backendName: 'workers', kernelFunc: fallback.ScatterAdd },
  IndexAdd: { kernelName: 'IndexAdd', backendName: 'workers', kernelFunc: fallback.IndexAdd },
  OneHot: { kernelName: 'OneHot', backendName: 'workers', kernelFunc: fallback.OneHot },
  Concat: { kernelName: 'Concat', backendName: 'workers', kernelFunc: fallback.Concat },
  CrossEntropy: { kernelName: 'CrossEntropy', backendName: 'workers', kernelFunc: fallback.CrossEntropy },
  CrossEntropyGrad: { kernelName: 'CrossEntropyGrad', backendName: 'workers', kernelFunc: fallback.CrossEntropyGrad },
  AdamStep: adamStepConfig,
  SgdStep: sgdStepConfig,
};


/** Registers every workers kernel that is not registered yet. */
export function registerWorkersKernels(): void {
  registerKernelTable(workersKernels);
}
