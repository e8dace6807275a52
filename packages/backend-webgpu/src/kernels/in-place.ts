import { shapeSize, type KernelConfig } from '@kindling/tensor';
import { workgroupGrid } from '../program.js';
import { AssignProgram } from '../programs/assign.js';
import type { WebGpuBackend } from '../webgpu-backend.js';

export const assignConfig: KernelConfig<'Assign', WebGpuBackend> = {
  kernelName: 'Assign',
  backendName: 'webgpu',
  kernelFunc: (backend, { target, source }) => {
    const size = shapeSize(target.shape);
    if (size === 0) return;
    const program = new AssignProgram(target.dtype, target.shape.length);
    backend.dispatch(program, [source.storage], [target.storage], program.uniforms(target, source), workgroupGrid(Math.ceil(size / 64)));
  },
};
