import { shapeSize, type KernelConfig } from '@kindling/tensor';
import { workgroupGrid } from '../program.js';
import { ArgReduceProgram, argReduceUniforms } from '../programs/arg-reduce.js';
import { SoftmaxProgram, softmaxUniforms } from '../programs/softmax.js';
import type { WebGpuBackend } from '../webgpu-backend.js';
import { encodeReduce } from './chain-heads.js';
import { holdReduce } from './elementwise-fusion.js';

export const reduceConfig: KernelConfig<'Reduce', WebGpuBackend> = {
  kernelName: 'Reduce',
  backendName: 'webgpu',
  kernelFunc: (backend, { x, dims, op }) => {
    const outDType = x.dtype === 'bool' && op === 'sum' ? 'int32' : x.dtype;
    const outSize = shapeSize(x.shape.filter((_, d) => !dims.includes(d)));
    const out = backend.allocate(outDType, outSize);
    if (outSize === 0) return out;
    // A float32 result waits for the elementwise ops that may follow it as its epilogue (see elementwise-fusion.ts).
    if (x.dtype === 'float32') holdReduce(backend, x, dims, op, out);
    else encodeReduce(backend, x, dims, op, out, outSize);
    return out;
  },
};

export const argReduceConfig: KernelConfig<'ArgReduce', WebGpuBackend> = {
  kernelName: 'ArgReduce',
  backendName: 'webgpu',
  kernelFunc: (backend, { x, dim, op }) => {
    const outSize = shapeSize(x.shape.filter((_, d) => d !== dim));
    const out = backend.allocate('int32', outSize);
    if (outSize === 0) return out;
    const program = new ArgReduceProgram(op, x.dtype, x.shape.length - 1);
    backend.dispatch(program, [x.storage], [out], argReduceUniforms(program, x.shape, x.strides, x.offset, dim), workgroupGrid(Math.ceil(outSize / 64)));
    return out;
  },
};

export const softmaxConfig: KernelConfig<'Softmax', WebGpuBackend> = {
  kernelName: 'Softmax',
  backendName: 'webgpu',
  kernelFunc: (backend, { x, dim, log }) => {
    const size = shapeSize(x.shape);
    const out = backend.allocate(x.dtype, size);
    if (size === 0) return out;
    const program = new SoftmaxProgram(log, x.shape.length - 1);
    const rows = size / (x.shape[dim] as number);
    backend.dispatch(program, [x.storage], [out], softmaxUniforms(program, x.shape, x.strides, x.offset, dim), workgroupGrid(rows));
    return out;
  },
};
