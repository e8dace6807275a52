import { shapeSize, type KernelConfig } from '@kindling/tensor';
import { workgroupGrid } from '../program.js';
import { AssignProgram } from '../programs/assign.js';
import { isRowMajor } from '../programs/elementwise.js';
import type { WebGpuBackend } from '../webgpu-backend.js';

export const assignConfig: KernelConfig<'Assign', WebGpuBackend> = {
  kernelName: 'Assign',
  backendName: 'webgpu',
  kernelFunc: (backend, { target, source }) => {
    const size = shapeSize(target.shape);
    if (size === 0) return;
    // A row-major source written into a row-major run of another buffer (a gradient placed in its
    // window of a packed parameter's, rows of a larger tensor) is a copy command, not a dispatch.
    const sameLayout = source.dtype === target.dtype && shapeSize(source.shape) === size && isRowMajor(source) && isRowMajor(target);
    if (sameLayout && source.storage.buffer !== target.storage.buffer) {
      backend.copy(source.storage, source.offset, target.storage, target.offset, size);
      return;
    }
    const program = new AssignProgram(target.dtype, target.shape.length);
    backend.dispatch(program, [source.storage], [target.storage], program.uniforms(target, source), workgroupGrid(Math.ceil(size / 64)));
  },
};
