import type { KernelConfig } from '@kindling/tensor';
import type { GpuJsBackend, GpuJsStorage } from '../gpujs-backend.js';
import type { DeviceValue, KernelThis } from '../gpujs.js';
import type { Pending } from '../values.js';
import { flatInput, launch } from './support.js';

/*
 * torch.optim.Adam's and SGD's updates. A gpu.js kernel writes one output, so each updated tensor
 * (parameter, moments) gets its own small kernel, and the storages take the new values in place
 * of the old ones. Hyperparameters are arguments, not constants: the step count changes every call
 * and must not recompile the kernels.
 */

type Thread = KernelThis<Record<string, never>>;

/**
 * beta * moment + (1 - beta) * g (or g², with `squared`), where g is the gradient with coupled
 * weight decay. `rest` is 1 - beta computed on the host in float64: in float32, 1 - 0.999 is off by
 * 1e-5 relative, enough to drift from PyTorch within a few steps.
 */
const adamMoment = function (this: Thread, moment: Float32Array, grad: Float32Array, param: Float32Array, beta: number, rest: number, coupledDecay: number, squared: number) {
  const g = (grad[this.thread.x] as number) + coupledDecay * (param[this.thread.x] as number);
  return beta * (moment[this.thread.x] as number) + rest * (squared > 0 ? g * g : g);
};

const runningMax = function (this: Thread, a: Float32Array, b: Float32Array) {
  return Math.max(a[this.thread.x] as number, b[this.thread.x] as number);
};

const adamParam = function (this: Thread, param: Float32Array, expAvg: Float32Array, second: Float32Array, decay: number, stepSize: number, bias2Sqrt: number, eps: number) {
  const denominator = Math.sqrt(second[this.thread.x] as number) / bias2Sqrt + eps;
  return (param[this.thread.x] as number) * decay - (stepSize * (expAvg[this.thread.x] as number)) / denominator;
};

/** The momentum buffer: the decayed gradient itself on the first step, else momentum * buffer + undamped * d. */
const sgdBuffer = function (this: Thread, buffer: Float32Array, grad: Float32Array, param: Float32Array, weightDecay: number, momentum: number, undamped: number, firstStep: number) {
  const d = (grad[this.thread.x] as number) + weightDecay * (param[this.thread.x] as number);
  return firstStep > 0 ? d : momentum * (buffer[this.thread.x] as number) + undamped * d;
};

const sgdParam = function (this: Thread, param: Float32Array, grad: Float32Array, buffer: Float32Array, lr: number, weightDecay: number, momentum: number, nesterov: number, hasBuffer: number) {
  const p = param[this.thread.x] as number;
  let d = (grad[this.thread.x] as number) + weightDecay * p;
  if (hasBuffer > 0) d = nesterov > 0 ? d + momentum * (buffer[this.thread.x] as number) : (buffer[this.thread.x] as number);
  return p - lr * d;
};

/** Gives each storage its new value and frees the old ones once every update is done. */
function commit(backend: GpuJsBackend, updates: readonly [GpuJsStorage, Pending<DeviceValue>][], temporaries: readonly Pending<DeviceValue>[]): void {
  const old = updates.map(([storage]) => backend.deviceArgument(storage));
  for (const [storage, value] of updates) storage.value = value;
  const last = updates.at(-1);
  // freeAfter hands back the value it was given; the storages above hold that value already.
  if (last) void backend.freeAfter(last[1], [...old, ...temporaries]);
}

export const adamStepConfig: KernelConfig<'AdamStep', GpuJsBackend> = {
  kernelName: 'AdamStep',
  backendName: 'gpujs',
  kernelFunc: (backend, { param, grad, expAvg, expAvgSq, maxExpAvgSq, hyper }) => {
    const { lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, step } = hyper;
    const size = param.size;
    if (size === 0) return;
    const g = flatInput(backend, grad);
    const p = backend.deviceArgument(param);
    const coupledDecay = decoupledWeightDecay ? 0 : weightDecay;
    const m = launch(backend, 'AdamStep|moment', adamMoment, size, [backend.deviceArgument(expAvg), g.value, p, beta1, 1 - beta1, coupledDecay, 0]);
    const v = launch(backend, 'AdamStep|moment', adamMoment, size, [backend.deviceArgument(expAvgSq), g.value, p, beta2, 1 - beta2, coupledDecay, 1]);
    const updates: [GpuJsStorage, Pending<DeviceValue>][] = [[expAvg, m], [expAvgSq, v]];
    let second = v;
    if (maxExpAvgSq) {
      second = launch(backend, 'AdamStep|max', runningMax, size, [backend.deviceArgument(maxExpAvgSq), v]);
      updates.push([maxExpAvgSq, second]);
    }
    const decay = decoupledWeightDecay ? 1 - lr * weightDecay : 1;
    const stepSize = lr / (1 - beta1 ** step);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** step);
    updates.push([param, launch(backend, 'AdamStep|param', adamParam, size, [p, m, second, decay, stepSize, bias2Sqrt, eps])]);
    commit(backend, updates, g.temporary ? [g.value] : []);
  },
};

export const sgdStepConfig: KernelConfig<'SgdStep', GpuJsBackend> = {
  kernelName: 'SgdStep',
  backendName: 'gpujs',
  kernelFunc: (backend, { param, grad, momentumBuffer, hyper }) => {
    const { lr, momentum, dampening, weightDecay, nesterov, firstStep } = hyper;
    const size = param.size;
    if (size === 0) return;
    const g = flatInput(backend, grad);
    const p = backend.deviceArgument(param);
    const updates: [GpuJsStorage, Pending<DeviceValue>][] = [];
    // Without a buffer the param kernel is handed the parameter in its place and never reads it.
    let buffer = p;
    if (momentumBuffer) {
      buffer = launch(backend, 'SgdStep|buffer', sgdBuffer, size, [backend.deviceArgument(momentumBuffer), g.value, p, weightDecay, momentum, 1 - dampening, firstStep ? 1 : 0]);
      updates.push([momentumBuffer, buffer]);
    }
    const args = [p, g.value, buffer, lr, weightDecay, momentum, nesterov ? 1 : 0, momentumBuffer ? 1 : 0];
    updates.push([param, launch(backend, 'SgdStep|param', sgdParam, size, args)]);
    commit(backend, updates, g.temporary ? [g.value] : []);
  },
};
