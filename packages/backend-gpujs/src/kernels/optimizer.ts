import { adagradStepSize, type KernelConfig, type View } from '@kindling/tensor';
import type { GpuJsBackend, GpuJsStorage } from '../gpujs-backend.js';
import type { DeviceValue, KernelThis } from '../gpujs.js';
import type { Pending } from '../values.js';
import { flatInput, launch } from './support.js';

/*
 * torch.optim's Adam, SGD, Adadelta, RMSprop and Adagrad updates. A gpu.js kernel writes one
 * output, so each updated tensor (parameter, moments) gets its own small kernel, and the storages
 * take the new values in place of the old ones. Hyperparameters are arguments, not constants: the
 * step count changes every call and must not recompile the kernels. Adadelta, RMSprop and Adagrad
 * are built from the shared small kernels below, in PyTorch's association as the cpu kernels are.
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

/** `gradientSign * grad + weightDecay * param`: the gradient with maximize's sign (an exact negation) and the L2 term. */
const effectiveGradient = function (this: Thread, grad: Float32Array, param: Float32Array, gradientSign: number, weightDecay: number) {
  return gradientSign * (grad[this.thread.x] as number) + weightDecay * (param[this.thread.x] as number);
};

/** `average * decay + (rest * x) * x`: PyTorch's `average.mul_(decay).addcmul_(x, x, value=rest)`. */
const decayedAddSquare = function (this: Thread, average: Float32Array, x: Float32Array, decay: number, rest: number) {
  const value = x[this.thread.x] as number;
  return (average[this.thread.x] as number) * decay + rest * value * value;
};

/** `average * decay + rest * x`: PyTorch's `average.mul_(decay).add_(x, alpha=rest)`. */
const decayedAdd = function (this: Thread, average: Float32Array, x: Float32Array, decay: number, rest: number) {
  return (average[this.thread.x] as number) * decay + rest * (x[this.thread.x] as number);
};

/** RMSprop's and Adagrad's denominator: sqrt(square − mean²) + eps when `centered`, else sqrt(square) + eps. */
const rootDenominator = function (this: Thread, square: Float32Array, mean: Float32Array, eps: number, centered: number) {
  const s = square[this.thread.x] as number;
  const m = mean[this.thread.x] as number;
  return Math.sqrt(centered > 0 ? s - m * m : s) + eps;
};

/** Adadelta's step: sqrt(accDelta + eps) / sqrt(squareAvg + eps) * g. */
const adadeltaDelta = function (this: Thread, accDelta: Float32Array, squareAvg: Float32Array, g: Float32Array, eps: number) {
  return (Math.sqrt((accDelta[this.thread.x] as number) + eps) / Math.sqrt((squareAvg[this.thread.x] as number) + eps)) * (g[this.thread.x] as number);
};

/** RMSprop's momentum buffer: buffer * momentum + g / denominator. */
const rmspropBuffer = function (this: Thread, buffer: Float32Array, g: Float32Array, denominator: Float32Array, momentum: number) {
  return (buffer[this.thread.x] as number) * momentum + (g[this.thread.x] as number) / (denominator[this.thread.x] as number);
};

/** `param − lr * direction`: PyTorch's `param.add_(direction, alpha=-lr)`. */
const descend = function (this: Thread, param: Float32Array, direction: Float32Array, lr: number) {
  return (param[this.thread.x] as number) - lr * (direction[this.thread.x] as number);
};

/** `param − (lr * g) / denominator`: PyTorch's `param.addcdiv_(g, denominator, value=-lr)`. */
const descendScaled = function (this: Thread, param: Float32Array, g: Float32Array, denominator: Float32Array, lr: number) {
  return (param[this.thread.x] as number) - (lr * (g[this.thread.x] as number)) / (denominator[this.thread.x] as number);
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

/** What an update's kernels read: the element count, the parameter, the gradient it uses, and the temporaries to free. */
interface StepInputs {
  size: number;
  p: Pending<DeviceValue>;
  g: Pending<DeviceValue>;
  temporaries: Pending<DeviceValue>[];
}

/**
 * One update of `param` from `grad`, with maximize's sign and the L2 term applied once (a temporary)
 * when either is on: `update` launches the kernels and returns each storage's new value, and they
 * are committed together.
 */
function gradientStep(
  backend: GpuJsBackend,
  param: GpuJsStorage,
  grad: View<GpuJsStorage>,
  { maximize, weightDecay }: { maximize: boolean; weightDecay: number },
  update: (inputs: StepInputs) => [GpuJsStorage, Pending<DeviceValue>][],
): void {
  const size = param.size;
  if (size === 0) return;
  const temporaries: Pending<DeviceValue>[] = [];
  const p = backend.deviceArgument(param);
  const flat = flatInput(backend, grad);
  if (flat.temporary) temporaries.push(flat.value);
  let g = flat.value;
  if (maximize || weightDecay !== 0) {
    g = launch(backend, 'OptimizerStep|gradient', effectiveGradient, size, [flat.value, p, maximize ? -1 : 1, weightDecay]);
    temporaries.push(g);
  }
  commit(backend, update({ size, p, g, temporaries }), temporaries);
}

export const adadeltaStepConfig: KernelConfig<'AdadeltaStep', GpuJsBackend> = {
  kernelName: 'AdadeltaStep',
  backendName: 'gpujs',
  kernelFunc: (backend, { param, grad, squareAvg, accDelta, hyper }) =>
    gradientStep(backend, param, grad, hyper, ({ size, p, g, temporaries }) => {
      const { lr, rho, eps } = hyper;
      const square = launch(backend, 'OptimizerStep|decayedAddSquare', decayedAddSquare, size, [backend.deviceArgument(squareAvg), g, rho, 1 - rho]);
      const oldAcc = backend.deviceArgument(accDelta);
      const delta = launch(backend, 'AdadeltaStep|delta', adadeltaDelta, size, [oldAcc, square, g, eps]);
      temporaries.push(delta);
      const acc = launch(backend, 'OptimizerStep|decayedAddSquare', decayedAddSquare, size, [oldAcc, delta, rho, 1 - rho]);
      return [[squareAvg, square], [accDelta, acc], [param, launch(backend, 'OptimizerStep|descend', descend, size, [p, delta, lr])]];
    }),
};

export const rmspropStepConfig: KernelConfig<'RmspropStep', GpuJsBackend> = {
  kernelName: 'RmspropStep',
  backendName: 'gpujs',
  kernelFunc: (backend, { param, grad, squareAvg, gradAvg, momentumBuffer, hyper }) =>
    gradientStep(backend, param, grad, hyper, ({ size, p, g, temporaries }) => {
      const { lr, alpha, eps, momentum } = hyper;
      const square = launch(backend, 'OptimizerStep|decayedAddSquare', decayedAddSquare, size, [backend.deviceArgument(squareAvg), g, alpha, 1 - alpha]);
      const updates: [GpuJsStorage, Pending<DeviceValue>][] = [[squareAvg, square]];
      // Without centering the denominator kernel is handed the square average in the mean's place and never reads it.
      let mean = square;
      if (gradAvg) {
        mean = launch(backend, 'RmspropStep|mean', decayedAdd, size, [backend.deviceArgument(gradAvg), g, alpha, 1 - alpha]);
        updates.push([gradAvg, mean]);
      }
      const denominator = launch(backend, 'OptimizerStep|denominator', rootDenominator, size, [square, mean, eps, gradAvg ? 1 : 0]);
      temporaries.push(denominator);
      if (!momentumBuffer) return [...updates, [param, launch(backend, 'OptimizerStep|descendScaled', descendScaled, size, [p, g, denominator, lr])]];
      const buffer = launch(backend, 'RmspropStep|buffer', rmspropBuffer, size, [backend.deviceArgument(momentumBuffer), g, denominator, momentum]);
      return [...updates, [momentumBuffer, buffer], [param, launch(backend, 'OptimizerStep|descend', descend, size, [p, buffer, lr])]];
    }),
};

export const adagradStepConfig: KernelConfig<'AdagradStep', GpuJsBackend> = {
  kernelName: 'AdagradStep',
  backendName: 'gpujs',
  kernelFunc: (backend, { param, grad, sum, hyper }) =>
    gradientStep(backend, param, grad, hyper, ({ size, p, g, temporaries }) => {
      // sum * 1 + (1 * g) * g is exactly sum + g * g.
      const total = launch(backend, 'OptimizerStep|decayedAddSquare', decayedAddSquare, size, [backend.deviceArgument(sum), g, 1, 1]);
      const denominator = launch(backend, 'OptimizerStep|denominator', rootDenominator, size, [total, total, hyper.eps, 0]);
      temporaries.push(denominator);
      return [[sum, total], [param, launch(backend, 'OptimizerStep|descendScaled', descendScaled, size, [p, g, denominator, adagradStepSize(hyper)])]];
    }),
};
