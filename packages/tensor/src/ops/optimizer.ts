import { runKernel } from '../engine.js';
import type { AdadeltaHyperparameters, AdagradHyperparameters, AdamHyperparameters, RmspropHyperparameters, SgdHyperparameters } from '../kernel-names.js';
import { formatShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { commonBackend } from './support.js';

/** Per-parameter Adam state: running averages of the gradient and its square. */
export interface AdamState {
  expAvg: Tensor;
  expAvgSq: Tensor;
  /** Present with amsgrad: the running maximum of `expAvgSq`. */
  maxExpAvgSq: Tensor | null;
}

/** Per-parameter Adadelta state: running averages of the squared gradient and of the squared step. */
export interface AdadeltaState {
  squareAvg: Tensor;
  accDelta: Tensor;
}

/** Per-parameter RMSprop state: the running average of the squared gradient, and the optional parts. */
export interface RmspropState {
  squareAvg: Tensor;
  /** Present when centered: the running average of the gradient. */
  gradAvg: Tensor | null;
  /** Present with momentum. */
  momentumBuffer: Tensor | null;
}

/** Fused kernels write through these tensors, so each must own its whole storage in row-major order. */
function assertUpdatable(opName: string, param: Tensor, grad: Tensor, states: readonly (Tensor | null)[]): void {
  commonBackend(opName, [param, grad, ...states.filter((s): s is Tensor => s !== null)]);
  for (const t of [param, ...states]) {
    if (t && (!t.isContiguous() || t.offset !== 0 || t.storage.size !== t.numel())) {
      throw new Error(`${opName}: parameters and optimizer state must be whole contiguous tensors, got a view of shape ${formatShape(t.shape)}`);
    }
  }
  for (const t of [grad, ...states]) {
    if (t && !shapesEqual(t.shape, param.shape)) {
      throw new Error(`${opName}: shape ${formatShape(t.shape)} does not match the parameter's ${formatShape(param.shape)}`);
    }
  }
  for (const t of [param, grad, ...states]) {
    if (t && t.dtype !== param.dtype) throw new TypeError(`${opName}: all tensors must share the parameter's dtype ${param.dtype}, got ${t.dtype}`);
  }
}

/** Updates `param` and `state` in place with one Adam (or AdamW) step. */
export function adamStep(param: Tensor, grad: Tensor, state: AdamState, hyper: AdamHyperparameters): void {
  assertUpdatable('adamStep', param, grad, [state.expAvg, state.expAvgSq, state.maxExpAvgSq]);
  runKernel('AdamStep', param.backend, {
    param: param.storage,
    grad,
    expAvg: state.expAvg.storage,
    expAvgSq: state.expAvgSq.storage,
    maxExpAvgSq: state.maxExpAvgSq?.storage ?? null,
    hyper,
  });
}

/** Updates `param` (and `momentumBuffer`) in place with one SGD step. */
export function sgdStep(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, hyper: SgdHyperparameters): void {
  assertUpdatable('sgdStep', param, grad, [momentumBuffer]);
  runKernel('SgdStep', param.backend, { param: param.storage, grad, momentumBuffer: momentumBuffer?.storage ?? null, hyper });
}

/** Updates `param` and `state` in place with one Adadelta step. */
export function adadeltaStep(param: Tensor, grad: Tensor, state: AdadeltaState, hyper: AdadeltaHyperparameters): void {
  assertUpdatable('adadeltaStep', param, grad, [state.squareAvg, state.accDelta]);
  runKernel('AdadeltaStep', param.backend, { param: param.storage, grad, squareAvg: state.squareAvg.storage, accDelta: state.accDelta.storage, hyper });
}

/** Updates `param` and `state` in place with one RMSprop step (centered when `state.gradAvg` is given). */
export function rmspropStep(param: Tensor, grad: Tensor, state: RmspropState, hyper: RmspropHyperparameters): void {
  assertUpdatable('rmspropStep', param, grad, [state.squareAvg, state.gradAvg, state.momentumBuffer]);
  runKernel('RmspropStep', param.backend, {
    param: param.storage,
    grad,
    squareAvg: state.squareAvg.storage,
    gradAvg: state.gradAvg?.storage ?? null,
    momentumBuffer: state.momentumBuffer?.storage ?? null,
    hyper,
  });
}

/** Updates `param` and the running sum of squared gradients `sum` in place with one Adagrad step. */
export function adagradStep(param: Tensor, grad: Tensor, sum: Tensor, hyper: AdagradHyperparameters): void {
  assertUpdatable('adagradStep', param, grad, [sum]);
  runKernel('AdagradStep', param.backend, { param: param.storage, grad, sum: sum.storage, hyper });
}
