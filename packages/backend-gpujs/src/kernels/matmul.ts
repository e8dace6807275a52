import { shapeSize, type KernelConfig } from '@kindling/tensor';
import type { GpuJsBackend } from '../gpujs-backend.js';
import type { KernelThis } from '../gpujs.js';
import { layoutKey, offsetTable } from '../strided.js';
import { allocate } from '../values.js';
import { INT32_REASON, onCpu } from './fallback.js';

interface MatMulConstants {
  m: number;
  k: number;
  /** The storage offset of each batch's first element, for both operands. */
  aBases: Float32Array;
  bBases: Float32Array;
  aRowStride: number;
  aColStride: number;
  bRowStride: number;
  bColStride: number;
}

/**
 * One output element per thread: thread.x is the column j, thread.y the row `batch * m + i`. The
 * operands are read through their own strides, so transposed weights (Linear's `x @ w.T`) and
 * broadcast batches need no copy.
 */
const matmulKernel = function (this: KernelThis<MatMulConstants>, a: Float32Array, b: Float32Array) {
  const batch = Math.floor(this.thread.y / this.constants.m);
  const i = this.thread.y - batch * this.constants.m;
  let ap = (this.constants.aBases[batch] as number) + i * this.constants.aRowStride;
  let bp = (this.constants.bBases[batch] as number) + this.thread.x * this.constants.bColStride;
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    sum += (a[ap] as number) * (b[bp] as number);
    ap += this.constants.aColStride;
    bp += this.constants.bRowStride;
  }
  return sum;
};

export const matmulConfig: KernelConfig<'MatMul', GpuJsBackend> = {
  kernelName: 'MatMul',
  backendName: 'gpujs',
  kernelFunc: (backend, { a, b }) => {
    const rank = a.shape.length;
    const m = a.shape[rank - 2] as number;
    const k = a.shape[rank - 1] as number;
    const n = b.shape[rank - 1] as number;
    const batchShape = a.shape.slice(0, rank - 2);
    const batches = shapeSize(batchShape);
    const size = batches * m * n;
    if (a.dtype === 'int32') return onCpu(backend, 'MatMul', INT32_REASON, { a, b }, { dtype: 'int32', size });
    if (size === 0) return backend.adopt(a.dtype, 0, allocate(a.dtype, 0));
    const settings = () => ({
      output: [n, batches * m],
      loopMaxIterations: Math.max(k, 1),
      constants: {
        m,
        k,
        aBases: offsetTable(batchShape, a.strides.slice(0, rank - 2), a.offset),
        bBases: offsetTable(batchShape, b.strides.slice(0, rank - 2), b.offset),
        aRowStride: a.strides[rank - 2] as number,
        aColStride: a.strides[rank - 1] as number,
        bRowStride: b.strides[rank - 2] as number,
        bColStride: b.strides[rank - 1] as number,
      },
    });
    const args = [backend.deviceArgument(a.storage), backend.deviceArgument(b.storage)];
    return backend.adopt(a.dtype, size, backend.run(`MatMul|${layoutKey(a)}|${layoutKey(b)}`, matmulKernel, settings, args));
  },
};
