import type { KernelConfig, View } from '@kindling/tensor';
import { workgroupGrid, type Program } from '../program.js';
import { AdadeltaStepProgram, AdagradStepProgram, AdamStepProgram, RmspropStepProgram, SgdStepProgram } from '../programs/optimizer-step.js';
import type { WebGpuBackend, WebGpuStorage } from '../webgpu-backend.js';

/**
 * Records one fused step: the gradient bound read-only, the parameter and its state (`updated`,
 * in the program's order) read-write, one thread per parameter element.
 */
function dispatchStep(backend: WebGpuBackend, program: Program, grad: View<WebGpuStorage>, updated: readonly (WebGpuStorage | null)[], uniforms: Uint32Array): void {
  const [param] = updated;
  if (!param || param.size === 0) return;
  const outputs = updated.filter((storage): storage is WebGpuStorage => storage !== null);
  backend.dispatch(program, [grad.storage], outputs, uniforms, workgroupGrid(Math.ceil(param.size / 64)));
}

export const adamStepConfig: KernelConfig<'AdamStep', WebGpuBackend> = {
  kernelName: 'AdamStep',
  backendName: 'webgpu',
  kernelFunc: (backend, { param, grad, expAvg, expAvgSq, maxExpAvgSq, hyper }) => {
    const program = new AdamStepProgram(maxExpAvgSq !== null, grad);
    dispatchStep(backend, program, grad, [param, expAvg, expAvgSq, maxExpAvgSq], program.uniforms(param.size, grad, hyper));
  },
};

export const sgdStepConfig: KernelConfig<'SgdStep', WebGpuBackend> = {
  kernelName: 'SgdStep',
  backendName: 'webgpu',
  kernelFunc: (backend, { param, grad, momentumBuffer, hyper }) => {
    const program = new SgdStepProgram(momentumBuffer !== null, grad);
    dispatchStep(backend, program, grad, [param, momentumBuffer], program.uniforms(param.size, grad, hyper));
  },
};

export const adadeltaStepConfig: KernelConfig<'AdadeltaStep', WebGpuBackend> = {
  kernelName: 'AdadeltaStep',
  backendName: 'webgpu',
  kernelFunc: (backend, { param, grad, squareAvg, accDelta, hyper }) => {
    const program = new AdadeltaStepProgram(grad);
    dispatchStep(backend, program, grad, [param, squareAvg, accDelta], program.uniforms(param.size, grad, hyper));
  },
};

export const rmspropStepConfig: KernelConfig<'RmspropStep', WebGpuBackend> = {
  kernelName: 'RmspropStep',
  backendName: 'webgpu',
  kernelFunc: (backend, { param, grad, squareAvg, gradAvg, momentumBuffer, hyper }) => {
    const program = new RmspropStepProgram(gradAvg !== null, momentumBuffer !== null, grad);
    dispatchStep(backend, program, grad, [param, squareAvg, gradAvg, momentumBuffer], program.uniforms(param.size, grad, hyper));
  },
};

export const adagradStepConfig: KernelConfig<'AdagradStep', WebGpuBackend> = {
  kernelName: 'AdagradStep',
  backendName: 'webgpu',
  kernelFunc: (backend, { param, grad, sum, hyper }) => {
    const program = new AdagradStepProgram(grad);
    dispatchStep(backend, program, grad, [param, sum], program.uniforms(param.size, grad, hyper));
  },
};
