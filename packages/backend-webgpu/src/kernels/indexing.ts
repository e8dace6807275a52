import { shapeSize, type KernelConfig } from '@kindling/tensor';
import { workgroupGrid } from '../program.js';
import { GatherProgram } from '../programs/gather.js';
import { OneHotProgram } from '../programs/one-hot.js';
import { ScatterAddProgram } from '../programs/scatter-add.js';
import { ArgsortProgram, CumsumProgram, TriangleProgram } from '../programs/scan.js';
import type { WebGpuBackend } from '../webgpu-backend.js';

/*
 * Indices are not range-checked before these kernels run (the op layer can only read them on
 * synchronous backends), so the kernels check them: an out-of-range index gives NaN (float32),
 * the most negative int32 (int32) or false (bool) instead of reading another element.
 */

export const gatherConfig: KernelConfig<'Gather', WebGpuBackend> = {
  kernelName: 'Gather',
  backendName: 'webgpu',
  kernelFunc: (backend, { x, index, dim }) => {
    const size = shapeSize(index.shape);
    const out = backend.allocate(x.dtype, size);
    if (size === 0) return out;
    const program = new GatherProgram(x.dtype, x.shape.length, dim);
    backend.dispatch(program, [x.storage, index.storage], [out], program.uniforms(index.shape, index, x), workgroupGrid(Math.ceil(size / 64)));
    return out;
  },
};

export const scatterAddConfig: KernelConfig<'ScatterAdd', WebGpuBackend> = {
  kernelName: 'ScatterAdd',
  backendName: 'webgpu',
  kernelFunc: (backend, { base, index, src, dim }) => {
    const size = shapeSize(base.shape);
    const out = backend.allocate(base.dtype, size);
    if (size === 0) return out;
    const program = new ScatterAddProgram(base.dtype, base.shape.length, dim);
    backend.dispatch(program, [base.storage, index.storage, src.storage], [out], program.uniforms(base, index, src), workgroupGrid(Math.ceil(size / 64)));
    return out;
  },
};

export const oneHotConfig: KernelConfig<'OneHot', WebGpuBackend> = {
  kernelName: 'OneHot',
  backendName: 'webgpu',
  kernelFunc: (backend, { indices, numClasses }) => {
    const size = shapeSize(indices.shape) * numClasses;
    const out = backend.allocate('int32', size);
    if (size === 0) return out;
    const program = new OneHotProgram(indices.shape.length);
    backend.dispatch(program, [indices.storage], [out], program.uniforms(indices, numClasses), workgroupGrid(Math.ceil(size / 64)));
    return out;
  },
};

export const triangleConfig: KernelConfig<'Triangle', WebGpuBackend> = {
  kernelName: 'Triangle',
  backendName: 'webgpu',
  kernelFunc: (backend, { x, diagonal, upper }) => {
    const size = shapeSize(x.shape);
    const out = backend.allocate(x.dtype, size);
    if (size === 0) return out;
    const program = new TriangleProgram(x.dtype, x.shape.length, upper);
    backend.dispatch(program, [x.storage], [out], program.uniforms(x, diagonal), workgroupGrid(Math.ceil(size / 64)));
    return out;
  },
};

export const cumsumConfig: KernelConfig<'Cumsum', WebGpuBackend> = {
  kernelName: 'Cumsum',
  backendName: 'webgpu',
  kernelFunc: (backend, { x, dim, reverse }) => {
    const size = shapeSize(x.shape);
    const out = backend.allocate(x.dtype, size);
    if (size === 0) return out;
    const program = new CumsumProgram(x.dtype, x.shape.length, reverse);
    const lines = size / (x.shape[dim] as number);
    backend.dispatch(program, [x.storage], [out], program.uniforms(x, dim), workgroupGrid(Math.ceil(lines / 64)));
    return out;
  },
};

export const argsortConfig: KernelConfig<'Argsort', WebGpuBackend> = {
  kernelName: 'Argsort',
  backendName: 'webgpu',
  kernelFunc: (backend, { x, dim, descending }) => {
    const size = shapeSize(x.shape);
    const out = backend.allocate('int32', size);
    if (size === 0) return out;
    const program = new ArgsortProgram(x.dtype, x.shape.length, dim, descending);
    backend.dispatch(program, [x.storage], [out], program.uniforms(x), workgroupGrid(Math.ceil(size / 64)));
    return out;
  },
};
