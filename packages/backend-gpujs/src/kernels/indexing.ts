import { shapeSize, type KernelConfig, type View } from '@kindling/tensor';
import type { GpuJsBackend, GpuJsStorage } from '../gpujs-backend.js';
import type { KernelThis } from '../gpujs.js';
import { layoutKey, offsetAt, offsetTable, tableOver } from '../strided.js';
import { allocate } from '../values.js';
import { BOOL_REASON, INT32_REASON, onCpu } from './fallback.js';

/*
 * Indices reach gpu.js as float32, exact below 2^24. index_select and index_add are gather and
 * scatter_add with the 1-D index broadcast along every other dim (stride 0), as in the cpu backend.
 */

type GatherThread = KernelThis<{ xBase: Float32Array; at: Float32Array; step: number; extent: number }>;

/**
 * out[i] = x[xBase[i] + index[at[i]] * step]: xBase is x's offset with the gathered dim at 0. The op
 * layer checks indices where it can read them; in webgpu mode it cannot, so an index outside
 * [0, extent) reads `invalid` (NaN, an argument because gpu.js has no NaN literal) instead of
 * memory that is not x's.
 */
const gatherKernel = function (this: GatherThread, x: Float32Array, index: Float32Array, invalid: number) {
  const at = this.constants.at[this.thread.x] as number;
  const base = this.constants.xBase[this.thread.x] as number;
  const picked = index[at] as number;
  if (picked < 0 || picked >= this.constants.extent) return invalid;
  return x[base + picked * this.constants.step] as number;
};

type ScatterThread = KernelThis<{ baseAt: Float32Array; indexAt: Float32Array; srcAt: Float32Array; coordinate: Float32Array; count: number; indexStep: number; srcStep: number }>;

/**
 * scatter_add turned around so each thread owns one output element: it adds every `src` element
 * whose index, along `dim`, points at it. `indexAt` is -1 where no index position lines up with
 * the element (index may be smaller than base outside `dim`).
 */
const scatterAddKernel = function (this: ScatterThread, base: Float32Array, index: Float32Array, src: Float32Array) {
  const own = this.constants.baseAt[this.thread.x] as number;
  let sum = base[own] as number;
  const first = this.constants.indexAt[this.thread.x] as number;
  if (first >= 0) {
    const target = this.constants.coordinate[this.thread.x] as number;
    const srcFirst = this.constants.srcAt[this.thread.x] as number;
    for (let j = 0; j < this.constants.count; j++) {
      if ((index[first + j * this.constants.indexStep] as number) === target) sum += src[srcFirst + j * this.constants.srcStep] as number;
    }
  }
  return sum;
};

function gather(backend: GpuJsBackend, x: View<GpuJsStorage>, index: View<GpuJsStorage>, dim: number): GpuJsStorage {
  const size = shapeSize(index.shape);
  if (x.dtype === 'int32') return onCpu(backend, 'Gather', INT32_REASON, { x, index, dim }, { dtype: 'int32', size });
  if (size === 0) return backend.adopt(x.dtype, 0, allocate(x.dtype, 0));
  const settings = () => ({
    output: [size],
    constants: {
      xBase: offsetTable(index.shape, x.strides.map((stride, d) => (d === dim ? 0 : stride)), x.offset),
      at: offsetTable(index.shape, index.strides, index.offset),
      step: x.strides[dim] as number,
      extent: x.shape[dim] as number,
    },
  });
  const args = [backend.deviceArgument(x.storage), backend.deviceArgument(index.storage), Number.NaN];
  return backend.adopt(x.dtype, size, backend.run(`Gather|${layoutKey(x)}|${layoutKey(index)}|${dim}`, gatherKernel, settings, args));
}

function scatterAdd(backend: GpuJsBackend, base: View<GpuJsStorage>, index: View<GpuJsStorage>, src: View<GpuJsStorage>, dim: number): GpuJsStorage {
  const size = shapeSize(base.shape);
  if (base.dtype !== 'float32') {
    const reason = base.dtype === 'int32' ? INT32_REASON : BOOL_REASON;
    return onCpu(backend, 'ScatterAdd', reason, { base, index, src, dim }, { dtype: base.dtype, size });
  }
  if (size === 0) return backend.adopt(base.dtype, 0, allocate(base.dtype, 0));
  const settings = () => {
    // Where the element's index position along `dim` starts, or -1 when it lies outside the index.
    const lined = (at: readonly number[]) => at.every((coordinate, d) => d === dim || coordinate < (index.shape[d] as number));
    const startOf = (view: View, at: readonly number[]) => offsetAt(at.map((coordinate, d) => (d === dim ? 0 : coordinate)), view.strides, view.offset);
    return {
      output: [size],
      loopMaxIterations: Math.max(index.shape[dim] as number, 1),
      constants: {
        baseAt: offsetTable(base.shape, base.strides, base.offset),
        indexAt: tableOver(base.shape, (at) => (lined(at) ? startOf(index, at) : -1)),
        srcAt: tableOver(base.shape, (at) => (lined(at) ? startOf(src, at) : 0)),
        coordinate: tableOver(base.shape, (at) => at[dim] as number),
        count: index.shape[dim] as number,
        indexStep: index.strides[dim] as number,
        srcStep: src.strides[dim] as number,
      },
    };
  };
  const args = [base, index, src].map((view) => backend.deviceArgument(view.storage));
  const key = `ScatterAdd|${layoutKey(base)}|${layoutKey(index)}|${layoutKey(src)}|${dim}`;
  return backend.adopt(base.dtype, size, backend.run(key, scatterAddKernel, settings, args));
}

export const gatherConfig: KernelConfig<'Gather', GpuJsBackend> = {
  kernelName: 'Gather',
  backendName: 'gpujs',
  kernelFunc: (backend, { x, index, dim }) => gather(backend, x, index, dim),
};

export const scatterAddConfig: KernelConfig<'ScatterAdd', GpuJsBackend> = {
  kernelName: 'ScatterAdd',
  backendName: 'gpujs',
  kernelFunc: (backend, { base, index, src, dim }) => scatterAdd(backend, base, index, src, dim),
};

export const oneHotConfig: KernelConfig<'OneHot', GpuJsBackend> = {
  kernelName: 'OneHot',
  backendName: 'gpujs',
  kernelFunc: (backend, { indices, numClasses }) =>
    onCpu(backend, 'OneHot', INT32_REASON, { indices, numClasses }, { dtype: 'int32', size: shapeSize(indices.shape) * numClasses }),
};
