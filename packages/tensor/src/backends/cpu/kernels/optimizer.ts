import type { TypedArray } from '../../../dtype.js';
import { adagradStepSize, type AdadeltaHyperparameters, type AdagradHyperparameters, type AdamHyperparameters, type RmspropHyperparameters, type SgdHyperparameters } from '../../../kernel-names.js';
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

/*
 * Adadelta, RMSprop and Adagrad follow torch 1.13's single-tensor loops operation by operation, in
 * the same association (`addcmul` is `s + (value * a) * b`, `addcdiv` is `s + (value * a) / b`),
 * so that the float32 kernels of the other backends, written the same way, round as PyTorch does.
 * `maximize` negates the gradient before the weight decay is added, as PyTorch does.
 */

/** torch.optim.Adadelta's update for one parameter, in place. */
export function adadeltaStepImpl(param: TypedArray, grad: ArrayLike<number>, squareAvg: TypedArray, accDelta: TypedArray, hyper: AdadeltaHyperparameters): void {
  const { lr, rho, eps, weightDecay, maximize } = hyper;
  const sign = maximize ? -1 : 1;
  for (let i = 0; i < param.length; i++) {
    const p = param[i] as number;
    const g = sign * (grad[i] as number) + weightDecay * p;
    const square = (squareAvg[i] as number) * rho + (1 - rho) * g * g;
    squareAvg[i] = square;
    const acc = accDelta[i] as number;
    const delta = (Math.sqrt(acc + eps) / Math.sqrt(square + eps)) * g;
    accDelta[i] = acc * rho + (1 - rho) * delta * delta;
    param[i] = p - lr * delta;
  }
}

/** torch.optim.RMSprop's update for one parameter, in place; centered with `gradAvg`, with momentum given `momentumBuffer`. */
export function rmspropStepImpl(
  param: TypedArray,
  grad: ArrayLike<number>,
  squareAvg: TypedArray,
  gradAvg: TypedArray | null,
  momentumBuffer: TypedArray | null,
  hyper: RmspropHyperparameters,
): void {
  const { lr, alpha, eps, weightDecay, momentum, maximize } = hyper;
  const sign = maximize ? -1 : 1;
  for (let i = 0; i < param.length; i++) {
    const p = param[i] as number;
    const g = sign * (grad[i] as number) + weightDecay * p;
    const square = (squareAvg[i] as number) * alpha + (1 - alpha) * g * g;
    squareAvg[i] = square;
    let variance = square;
    if (gradAvg) {
      const mean = (gradAvg[i] as number) * alpha + (1 - alpha) * g;
      gradAvg[i] = mean;
      variance = square - mean * mean;
    }
    const avg = Math.sqrt(variance) + eps;
    if (momentumBuffer) {
      const buffer = (momentumBuffer[i] as number) * momentum + g / avg;
      momentumBuffer[i] = buffer;
      param[i] = p - lr * buffer;
    } else {
      param[i] = p - (lr * g) / avg;
    }
  }
}

/** torch.optim.Adagrad's update for one parameter with a dense gradient, in place. */
export function adagradStepImpl(param: TypedArray, grad: ArrayLike<number>, sum: TypedArray, hyper: AdagradHyperparameters): void {
  const { weightDecay, eps, maximize } = hyper;
  const sign = maximize ? -1 : 1;
  const stepSize = adagradStepSize(hyper);
  for (let i = 0; i < param.length; i++) {
    const p = param[i] as number;
    const g = sign * (grad[i] as number) + weightDecay * p;
    const total = (sum[i] as number) + g * g;
    sum[i] = total;
    param[i] = p - (stepSize * g) / (Math.sqrt(total) + eps);
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

export const adadeltaStepConfig: KernelConfig<'AdadeltaStep', CpuBackend> = {
  kernelName: 'AdadeltaStep',
  backendName: 'cpu',
  kernelFunc: (_backend, { param, grad, squareAvg, accDelta, hyper }) =>
    adadeltaStepImpl(param.values, contiguousValues(stridedInput(grad)), squareAvg.values, accDelta.values, hyper),
};

export const rmspropStepConfig: KernelConfig<'RmspropStep', CpuBackend> = {
  kernelName: 'RmspropStep',
  backendName: 'cpu',
  kernelFunc: (_backend, { param, grad, squareAvg, gradAvg, momentumBuffer, hyper }) =>
    rmspropStepImpl(param.values, contiguousValues(stridedInput(grad)), squareAvg.values, gradAvg?.values ?? null, momentumBuffer?.values ?? null, hyper),
};

export const adagradStepConfig: KernelConfig<'AdagradStep', CpuBackend> = {
  kernelName: 'AdagradStep',
  backendName: 'cpu',
  kernelFunc: (_backend, { param, grad, sum, hyper }) => adagradStepImpl(param.values, contiguousValues(stridedInput(grad)), sum.values, hyper),
};
