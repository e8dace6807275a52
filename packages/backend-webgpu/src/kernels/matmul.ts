import { shapeSize, type KernelConfig } from '@kindling/tensor';
import type { WebGpuBackend } from '../webgpu-backend.js';
import { encodeMatmul } from './chain-heads.js';
import { holdMatmul } from './elementwise-fusion.js';

export const matmulConfig: KernelConfig<'MatMul', WebGpuBackend> = {
  kernelName: 'MatMul',
  backendName: 'webgpu',
  kernelFunc: (backend, { a, b }) => {
    const rank = a.shape.length;
    const shape = [...a.shape.slice(0, rank - 1), b.shape[rank - 1] as number];
    const out = backend.allocate(a.dtype, shapeSize(shape));
    if (out.size === 0) return out;
    // A float32 product waits for the elementwise ops that may follow it as its epilogue (see elementwise-fusion.ts).
    if (a.dtype === 'float32') holdMatmul(backend, a, b, out, shape);
    else encodeMatmul(backend, a, b, out);
    return out;
  },
};
