import type { TypedArray } from '../../../dtype.js';
import type { AdamHyperparameters, SgdHyperparameters } from '../../../kernel-names.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import type { CpuBackend } from '../cpu-backend.js';
import { contiguousValues, stridedInput } from '../strided.js';

/**
 * torch.optim.Adam's update for one parameter, in place, in one pass over memory. With
 * `decoupledWeightDecay` it is AdamW. `maxExpAvgSq` turns on amsgrad.
 */
export function adamStepImpl(
  param: TypedArray,
  grad: ArrayLike<number>,
  expAvg: TypedArray,
  expAvgSq: TypedArray,
  maxExpAvgSq: TypedArray | null,
  hyper: AdamHyperparameters,
): void {
  const { lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, step } = hyper;
  const stepSize = lr / (1 - beta1 ** step);
  const bias2Sqrt = Math.sqrt(1 - beta2 ** step);
  const decay = decoupledWeightDecay ? 1 - lr * weightDecay : 1;
  const coupledDecay = decoupledWeightDecay ? 0 : weightDecay;
  for (let i = 0; i < param.length; i++) {
    const p = (param[i] as number) * decay;
    const g = (grad[i] as number) + coupledDecay * p;
    const m = beta1 * (expAvg[i] as number) + (1 - beta1) * g;
    const v = beta2 * (expAvgSq[i] as number) + (1 - beta2) * g * g;
    expAvg[i] = m;
    expAvgSq[i] = v;
    let second = v;
    if (maxExpAvgSq) {
      second = Math.max(maxExpAvgSq[i] as number, v);
      maxExpAvgSq[i] = second;
    }
    param[i] = p - (stepSize * m) / (Math.sqrt(second) / bias2Sqrt + eps);
  }
}

/** torch.optim.SGD's update for one parameter, in place (momentum, dampening, Nesterov, weight decay). */
export function sgdStepImpl(param: TypedArray, grad: ArrayLike<number>, momentumBuffer: TypedArray | null, hyper: SgdHyperparameters): void {
  const { lr, momentum, dampening, weightDecay, nesterov, firstStep } = hyper;
  for (let i = 0; i < param.length; i++) {
    const p = param[i] as number;
    let d = (grad[i] as number) + weightDecay * p;
    if (momentumBuffer) {
      const buffer = firstStep ? d : momentum * (momentumBuffer[i] as number) + (1 - dampening) * d;
      momentumBuffer[i] = buffer;
      d = nesterov ? d + momentum * buffer : buffer;
    }
    param[i] = p - lr * d;
  }
}

export const adamStepConfig: KernelConfig<'AdamStep', CpuBackend> = {
  kernelName: 'AdamStep',
  backendName: 'cpu',
  kernelFunc: (_backend, { param, grad, expAvg, expAvgSq, maxExpAvgSq, hyper }) =>
    adamStepImpl(param.values, contiguousValues(stridedInput(grad)), expAvg.values, expAvgSq.values, maxExpAvgSq?.values ?? null, hyper),
};

export const sgdStepConfig: KernelConfig<'SgdStep', CpuBackend> = {
  kernelName: 'SgdStep',
  backendName: 'cpu',
  kernelFunc: (_backend, { param, grad, momentumBuffer, hyper }) =>
    sgdStepImpl(param.values, contiguousValues(stridedInput(grad)), momentumBuffer?.values ?? null, hyper),
};
