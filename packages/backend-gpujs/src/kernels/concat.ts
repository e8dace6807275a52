import { contiguousStrides, shapeSize, type KernelConfig, type View } from '@kindling/tensor';
import { GpuJsStorage, type GpuJsBackend } from '../gpujs-backend.js';
import type { DeviceValue, KernelThis } from '../gpujs.js';
import { layoutKey, offsetAt, tableOver } from '../strided.js';
import { allocate, type Pending } from '../values.js';
import { INT32_REASON, onCpu } from './fallback.js';

/*
 * A gpu.js kernel has a fixed number of arguments, so inputs are joined two at a time: each output
 * element reads from the left or the right input (`fromRight`), at the storage offset `at`.
 */

type JoinThread = KernelThis<{ fromRight: Float32Array; at: Float32Array }>;

const joinKernel = function (this: JoinThread, left: Float32Array, right: Float32Array) {
  const at = this.constants.at[this.thread.x] as number;
  return (this.constants.fromRight[this.thread.x] as number) === 0 ? (left[at] as number) : (right[at] as number);
};

/** `left` and `right` joined along `dim`, as a row-major device value. */
function join(backend: GpuJsBackend, left: View<GpuJsStorage>, right: View<GpuJsStorage>, dim: number): { shape: number[]; value: Pending<DeviceValue> } {
  const split = left.shape[dim] as number;
  const shape = left.shape.map((extent, d) => (d === dim ? extent + (right.shape[dim] as number) : extent));
  const settings = () => ({
    output: [shapeSize(shape)],
    constants: {
      fromRight: tableOver(shape, (at) => ((at[dim] as number) < split ? 0 : 1)),
      at: tableOver(shape, (at) =>
        (at[dim] as number) < split ? offsetAt(at, left.strides, left.offset) : offsetAt(at.map((c, d) => (d === dim ? c - split : c)), right.strides, right.offset),
      ),
    },
  });
  const args = [backend.deviceArgument(left.storage), backend.deviceArgument(right.storage)];
  return { shape, value: backend.run(`Concat|${layoutKey(left)}|${layoutKey(right)}|${dim}`, joinKernel, settings, args) };
}

export const concatConfig: KernelConfig<'Concat', GpuJsBackend> = {
  kernelName: 'Concat',
  backendName: 'gpujs',
  kernelFunc: (backend, { inputs, dim, outShape }) => {
    const [first, ...rest] = inputs;
    if (!first) throw new Error('gpujs Concat: expected at least one input');
    const size = shapeSize(outShape);
    if (first.dtype === 'int32') return onCpu(backend, 'Concat', INT32_REASON, { inputs, dim, outShape }, { dtype: 'int32', size });
    if (size === 0) return backend.adopt(first.dtype, 0, allocate(first.dtype, 0));
    // A single input is joined with an empty one, which makes it a row-major copy.
    const others = rest.length > 0 ? rest : [{ ...first, shape: first.shape.map((extent, d) => (d === dim ? 0 : extent)) }];
    let joined: View<GpuJsStorage> = first;
    const partials: Pending<DeviceValue>[] = [];
    for (const next of others) {
      const { shape, value } = join(backend, joined, next, dim);
      partials.push(value);
      // Each partial result is read once, by the next join; it is not a tensor's storage.
      joined = { storage: new GpuJsStorage(first.dtype, shapeSize(shape), value), dtype: first.dtype, shape, strides: contiguousStrides(shape), offset: 0 };
    }
    const result = partials.pop() as Pending<DeviceValue>;
    return backend.adopt(first.dtype, size, backend.freeAfter(result, partials));
  },
};
