import { shapeSize, type KernelConfig } from '@kindling/tensor';
import type { GpuJsBackend } from '../gpujs-backend.js';
import type { KernelThis } from '../gpujs.js';
import { layoutKey, offsetTable } from '../strided.js';
import { allocate } from '../values.js';
import { INT32_REASON, onCpu } from './fallback.js';
import { elementwise, launch, readAtOffsets } from './support.js';

type Thread = KernelThis<Record<string, never>>;

const copy = function (this: Thread, x: Float32Array) {
  return x[this.thread.x] as number;
};

const nonzero = function (this: Thread, x: Float32Array) {
  // NaN is nonzero, so it casts to true, as in PyTorch.
  return (x[this.thread.x] as number) !== 0 ? 1 : 0;
};

export const fillConfig: KernelConfig<'Fill', GpuJsBackend> = {
  kernelName: 'Fill',
  backendName: 'gpujs',
  // A constant needs no kernel: the host array goes to the device with the first kernel that reads it.
  kernelFunc: (backend, { size, value, dtype }) => {
    const values = allocate(dtype, size);
    values.fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
    return backend.adopt(dtype, size, values);
  },
};

export const contiguousConfig: KernelConfig<'Contiguous', GpuJsBackend> = {
  kernelName: 'Contiguous',
  backendName: 'gpujs',
  kernelFunc: (backend, { x }) => {
    const size = shapeSize(x.shape);
    if (x.dtype === 'int32') return onCpu(backend, 'Contiguous', INT32_REASON, { x }, { dtype: 'int32', size });
    if (size === 0) return backend.adopt(x.dtype, 0, allocate(x.dtype, 0));
    const settings = () => ({ constants: { offsets: offsetTable(x.shape, x.strides, x.offset) } });
    const value = launch(backend, `Contiguous|${layoutKey(x)}`, readAtOffsets, size, [backend.deviceArgument(x.storage)], settings);
    return backend.adopt(x.dtype, size, value);
  },
};

export const castConfig: KernelConfig<'Cast', GpuJsBackend> = {
  kernelName: 'Cast',
  backendName: 'gpujs',
  kernelFunc: (backend, { x, dtype }) => {
    const size = shapeSize(x.shape);
    if (x.dtype === 'int32' || dtype === 'int32') return onCpu(backend, 'Cast', INT32_REASON, { x, dtype }, { dtype, size });
    // float32 and bool are both 0/1-exact in float32: only "to bool" changes values.
    const source = dtype === 'bool' ? nonzero : copy;
    return elementwise(backend, [x], { dtype, size }, (inputs) => launch(backend, `Cast|${dtype}`, source, size, inputs));
  },
};
