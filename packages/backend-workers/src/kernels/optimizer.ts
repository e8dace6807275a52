import type { AdamHyperparameters, KernelConfig, SgdHyperparameters, View } from '@kindling/tensor';
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

function adamStep(
  backend: WorkersBackend,
  args: { param: WorkersStorage; grad: View<WorkersStorage>; expAvg: WorkersStorage; expAvgSq: WorkersStorage; maxExpAvgSq: WorkersStorage | null; hyper: AdamHyperparameters },
): void {
  const { param, grad, expAvg, expAvgSq, maxExpAvgSq, hyper } = args;
  if (param.dtype !== 'float32' || !isDense(grad)) {
    onCpu(backend, 'AdamStep', args);
    return;
  }
  const { lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, step } = hyper;
  // The step-dependent factors, in float64 once per call, as the cpu kernel computes them.
  const stepSize = lr / (1 - beta1 ** step);
  const bias2Sqrt = Math.sqrt(1 - beta2 ** step);
  const decay = decoupledWeightDecay ? 1 - lr * weightDecay : 1;
  const coupledDecay = decoupledWeightDecay ? 0 : weightDecay;
  const threads = param.size >= OPTIMIZER_PARALLEL_ELEMENTS ? backend.parallelism() : 1;
  const counter = backend.resetCounter();
  const call = [
    param.byteOffset,
    backend.address(grad),
    expAvg.byteOffset,
    expAvgSq.byteOffset,
    maxExpAvgSq ? maxExpAvgSq.byteOffset : 0,
    param.size,
    decay,
    coupledDecay,
    beta1,
    beta2,
    1 - beta1,
    1 - beta2,
    stepSize,
    bias2Sqrt,
    eps,
    threads,
    counter,
  ];
  // Every thread runs the same call: they share the parameters through the counter.
  backend.run('AdamStep', Array.from({ length: threads }, () => ({ kernel: 'adamF32' as const, args: call })));
}

function sgdStep(backend: WorkersBackend, args: { param: WorkersStorage; grad: View<WorkersStorage>; momentumBuffer: WorkersStorage | null; hyper: SgdHyperparameters }): void {
  const { param, grad, momentumBuffer, hyper } = args;
  if (param.dtype !== 'float32' || !isDense(grad)) {
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

export const adamStepConfig: KernelConfig<'AdamStep', WorkersBackend> = {
  kernelName: 'AdamStep',
  backendName: 'workers',
  kernelFunc: (backend, args) => adamStep(backend, args),
};

export const sgdStepConfig: KernelConfig<'SgdStep', WorkersBackend> = {
  kernelName: 'SgdStep',
  backendName: 'workers',
  kernelFunc: (backend, args) => sgdStep(backend, args),
};
