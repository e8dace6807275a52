import type { KernelConfig } from '@kindling/tensor';
import { binaryProgram, compareProgram, unaryProgram } from '../programs/declared.js';
import { castProgram } from '../programs/cast.js';
import { whereProgram } from '../programs/where.js';
import type { WebGpuBackend } from '../webgpu-backend.js';
import { runFused } from './elementwise-fusion.js';

export const unaryConfig: KernelConfig<'Unary', WebGpuBackend> = {
  kernelName: 'Unary',
  backendName: 'webgpu',
  kernelFunc: (backend, { x, op }) =>
    runFused(backend, unaryProgram(op, x), [x], x.shape, x.dtype),
};

export const binaryConfig: KernelConfig<'Binary', WebGpuBackend> = {
  kernelName: 'Binary',
  backendName: 'webgpu',
  kernelFunc: (backend, { a, b, op }) =>
    runFused(backend, binaryProgram(op, a, b, a.dtype), [a, b], a.shape, a.dtype),
};

export const compareConfig: KernelConfig<'Compare', WebGpuBackend> = {
  kernelName: 'Compare',
  backendName: 'webgpu',
  kernelFunc: (backend, { a, b, op }) => runFused(backend, compareProgram(op, a, b, a.dtype), [a, b], a.shape, 'bool'),
};

export const whereConfig: KernelConfig<'Where', WebGpuBackend> = {
  kernelName: 'Where',
  backendName: 'webgpu',
  kernelFunc: (backend, { condition, a, b }) => runFused(backend, whereProgram(condition, a, b, a.dtype), [condition, a, b], a.shape, a.dtype),
};

export const castConfig: KernelConfig<'Cast', WebGpuBackend> = {
  kernelName: 'Cast',
  backendName: 'webgpu',
  kernelFunc: (backend, { x, dtype }) => runFused(backend, castProgram(x, dtype), [x], x.shape, dtype),
};

export const contiguousConfig: KernelConfig<'Contiguous', WebGpuBackend> = {
  kernelName: 'Contiguous',
  backendName: 'webgpu',
  kernelFunc: (backend, { x }) => runFused(backend, castProgram(x, x.dtype), [x], x.shape, x.dtype),
};
