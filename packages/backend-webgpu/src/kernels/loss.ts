import type { KernelConfig } from '@kindling/tensor';
import { workgroupGrid } from '../program.js';
import { CrossEntropyGradProgram, CrossEntropyRowsProgram, CrossEntropyTotalProgram, crossEntropyUniforms } from '../programs/cross-entropy.js';
import type { WebGpuBackend } from '../webgpu-backend.js';

export const crossEntropyConfig: KernelConfig<'CrossEntropy', WebGpuBackend> = {
  kernelName: 'CrossEntropy',
  backendName: 'webgpu',
  kernelFunc: (backend, { logits, target, ignoreIndex, reduction }) => {
    const rows = logits.shape[0] as number;
    const losses = backend.allocate(logits.dtype, rows);
    const rowsProgram = new CrossEntropyRowsProgram();
    if (rows > 0) backend.dispatch(rowsProgram, [logits.storage, target.storage], [losses], crossEntropyUniforms(rowsProgram, logits, target, ignoreIndex), workgroupGrid(rows));
    if (reduction === 'none') return losses;
    const out = backend.allocate(logits.dtype, 1);
    const total = new CrossEntropyTotalProgram(reduction);
    backend.dispatch(total, [losses, target.storage], [out], crossEntropyUniforms(total, logits, target, ignoreIndex), [1]);
    // Dispatches run in recording order, so the buffer can go back to the pool before they do.
    backend.release(losses);
    return out;
  },
};

export const crossEntropyGradConfig: KernelConfig<'CrossEntropyGrad', WebGpuBackend> = {
  kernelName: 'CrossEntropyGrad',
  backendName: 'webgpu',
  kernelFunc: (backend, { logits, target, gradOutput, ignoreIndex, reduction }) => {
    const rows = logits.shape[0] as number;
    const out = backend.allocate(logits.dtype, rows * (logits.shape[1] as number));
    if (out.size === 0) return out;
    const program = new CrossEntropyGradProgram(reduction);
    const uniforms = crossEntropyUniforms(program, logits, target, ignoreIndex, gradOutput);
    backend.dispatch(program, [logits.storage, target.storage, gradOutput.storage], [out], uniforms, workgroupGrid(rows));
    return out;
  },
};
