import { shapeSize, type KernelConfig } from '@kindling/tensor';
import type { WebGpuBackend } from '../webgpu-backend.js';
import { deferMatmul, encodeMatmul } from './linear-fusion.js';

export const matmulConfig: KernelConfig<'MatMul', WebGpuBackend> = {
  kernelName: 'MatMul',
  backendName: 'webgpu',
  kernelFunc: (backend, { a, b }) => {
    const rank = a.shape.length;
    const shape = [...a.shape.slice(0, rank - 1), b.shape[rank - 1] as number];
    const out = backend.allocate(a.dtype, shapeSize(shape));
    if (out.size === 0) return out;
    // float32 products wait to see whether a bias add and a ReLU follow (see linear-fusion.ts).
    if (a.dtype === 'float32') deferMatmul(backend, a, b, out, shape);
    else encodeMatmul(backend, a, b, [out], null, 'none');
    return out;
  },
};
