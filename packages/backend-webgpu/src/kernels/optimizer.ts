import type { KernelConfig } from '@kindling/tensor';
import { workgroupGrid } from '../program.js';
import { AdamStepProgram, SgdStepProgram } from '../programs/optimizer-step.js';
import type { WebGpuBackend } from '../webgpu-backend.js';

/** In place: param, exp_avg, exp_avg_sq (and max_exp_avg_sq) are bound read-write, the gradient read-only. */
export const adamStepConfig: KernelConfig<'AdamStep', WebGpuBackend> = {
  kernelName: 'AdamStep',
  backendName: 'webgpu',
  kernelFunc: (backend, { param, grad, expAvg, expAvgSq, maxExpAvgSq, hyper }) => {
    if (param.size === 0) return;
    const program = new AdamStepProgram(maxExpAvgSq !== null, grad);
    const outputs = maxExpAvgSq ? [param, expAvg, expAvgSq, maxExpAvgSq] : [param, expAvg, expAvgSq];
    backend.dispatch(program, [grad.storage], outputs, program.uniforms(param.size, grad, hyper), workgroupGrid(Math.ceil(param.size / 64)));
  },
};

export const sgdStepConfig: KernelConfig<'SgdStep', WebGpuBackend> = {
  kernelName: 'SgdStep',
  backendName: 'webgpu',
  kernelFunc: (backend, { param, grad, momentumBuffer, hyper }) => {
    if (param.size === 0) return;
    const program = new SgdStepProgram(momentumBuffer !== null, grad);
    const outputs = momentumBuffer ? [param, momentumBuffer] : [param];
    backend.dispatch(program, [grad.storage], outputs, program.uniforms(param.size, grad, hyper), workgroupGrid(Math.ceil(param.size / 64)));
  },
};
