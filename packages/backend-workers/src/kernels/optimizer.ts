import { adagradStepSize, type KernelArgs, type KernelConfig, type View } from '@kindling/tensor';
import type { KernelExport } from '../pool/kernel-module.js';
import type { WorkersStorage } from '../shared-heap.js';
import type { WorkersBackend } from '../workers-backend.js';
import { onCpu } from './fallback.js';
import { isDense, runSplit } from './layout.js';

/**
 * Optimizer steps over at least this many parameters are split across threads. An Adam step
 * streams five float32 arrays; measured on the 2-core host, the tutorial's 784×512 weight (401k
 * parameters) takes 248 µs on one thread and 177 µs on two, its 512×512 weight 164 and 133 µs;
 * at 2^15 parameters (~20 µs) the ~10 µs wake-up of a worker is about what a split saves.
 */
export const OPTIMIZER_PARALLEL_ELEMENTS = 1 << 15;
/** Thread boundaries on whole 64-byte lines. */
const ALIGN = 16;

/** Whether the fused float32 kernel can take these arguments; the cpu kernel runs the others on the shared memory. */
function fusable(param: WorkersStorage, grad: View<WorkersStorage>): boolean {
  return param.dtype === 'float32' && isDense(grad);
}

/** The updates whose threads share the parameters through the work counter (assembly/schedule.ts). */
type SharedStepName = 'AdamStep' | 'AdadeltaStep' | 'RmspropStep' | 'AdagradStep';

/**
 * A fused update run as `kernel(...call(args), threads, counter)`, on every thread at once when the
 * parameter is large enough to split. Other dtypes and strided gradients run the cpu kernel on the
 * shared memory.
 */
function sharedStep<K extends SharedStepName>(
  kernelName: K,
  kernel: KernelExport,
  call: (backend: WorkersBackend, args: KernelArgs<WorkersStorage>[K]) => number[],
): (backend: WorkersBackend, args: KernelArgs<WorkersStorage>[K]) => void {
  return (backend, args) => {
    if (!fusable(args.param, args.grad)) {
      onCpu(backend, kernelName, args);
      return;
    }
    const threads = args.param.size >= OPTIMIZER_PARALLEL_ELEMENTS ? backend.parallelism() : 1;
    const shared = [...call(backend, args), threads, backend.resetCounter()];
    backend.run(kernelName, Array.from({ length: threads }, () => ({ kernel, args: shared })));
  };
}

/** -1 with maximize, else 1: the kernels multiply the gradient by it (exactly). */
function gradientSign(maximize: boolean): number {
  return maximize ? -1 : 1;
}

export const adamStepConfig: KernelConfig<'AdamStep', WorkersBackend> = {
  kernelName: 'AdamStep',
  backendName: 'workers',
  kernelFunc: sharedStep('AdamStep', 'adamF32', (backend, { param, grad, expAvg, expAvgSq, maxExpAvgSq, hyper }) => {
    const { lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, step } = hyper;
    // The step-dependent factors, in float64 once per call, as the cpu kernel computes them.
    const stepSize = lr / (1 - beta1 ** step);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** step);
    const decay = decoupledWeightDecay ? 1 - lr * weightDecay : 1;
    const coupledDecay = decoupledWeightDecay ? 0 : weightDecay;
    const storages = [param.byteOffset, backend.address(grad), expAvg.byteOffset, expAvgSq.byteOffset, maxExpAvgSq ? maxExpAvgSq.byteOffset : 0];
    return [...storages, param.size, decay, coupledDecay, beta1, beta2, 1 - beta1, 1 - beta2, stepSize, bias2Sqrt, eps];
  }),
};

export const adadeltaStepConfig: KernelConfig<'AdadeltaStep', WorkersBackend> = {
  kernelName: 'AdadeltaStep',
  backendName: 'workers',
  kernelFunc: sharedStep('AdadeltaStep', 'adadeltaF32', (backend, { param, grad, squareAvg, accDelta, hyper }) => {
    const { lr, rho, eps, weightDecay, maximize } = hyper;
    const storages = [param.byteOffset, backend.address(grad), squareAvg.byteOffset, accDelta.byteOffset];
    return [...storages, param.size, gradientSign(maximize), weightDecay, rho, 1 - rho, eps, lr];
  }),
};

export const rmspropStepConfig: KernelConfig<'RmspropStep', WorkersBackend> = {
  kernelName: 'RmspropStep',
  backendName: 'workers',
  kernelFunc: sharedStep('RmspropStep', 'rmspropF32', (backend, { param, grad, squareAvg, gradAvg, momentumBuffer, hyper }) => {
    const { lr, alpha, eps, weightDecay, momentum, maximize } = hyper;
    const storages = [param.byteOffset, backend.address(grad), squareAvg.byteOffset, gradAvg ? gradAvg.byteOffset : 0, momentumBuffer ? momentumBuffer.byteOffset : 0];
    return [...storages, param.size, gradientSign(maximize), weightDecay, alpha, 1 - alpha, eps, lr, momentum];
  }),
};

export const adagradStepConfig: KernelConfig<'AdagradStep', WorkersBackend> = {
  kernelName: 'AdagradStep',
  backendName: 'workers',
  kernelFunc: sharedStep('AdagradStep', 'adagradF32', (backend, { param, grad, sum, hyper }) => {
    const storages = [param.byteOffset, backend.address(grad), sum.byteOffset];
    return [...storages, param.size, gradientSign(hyper.maximize), hyper.weightDecay, hyper.eps, adagradStepSize(hyper)];
  }),
};

function sgdStep(backend: WorkersBackend, args: KernelArgs<WorkersStorage>['SgdStep']): void {
  const { param, grad, momentumBuffer, hyper } = args;
  if (!fusable(param, grad)) {
    onCpu(backend, 'SgdStep', args);
    return;
  }
  const { lr, momentum, dampening, weightDecay, nesterov, firstStep } = hyper;
  const gradient = backend.address(grad);
  runSplit(backend, 'SgdStep', param.size, OPTIMIZER_PARALLEL_ELEMENTS, ALIGN, (start, end) => ({
    kernel: 'sgdF32',
    args: [
      param.byteOffset + start * 4,
      gradient + start * 4,
      momentumBuffer ? momentumBuffer.byteOffset + start * 4 : 0,
      end - start,
      lr,
      momentum,
      1 - dampening,
      weightDecay,
      nesterov ? 1 : 0,
      firstStep ? 1 : 0,
    ],
  }));
}

export const sgdStepConfig: KernelConfig<'SgdStep', WorkersBackend> = {
  kernelName: 'SgdStep',
  backendName: 'workers',
  kernelFunc: (backend, args) => sgdStep(backend, args),
};


