import type { TypedArray } from '../../../dtype.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import { contiguousStrides } from '../../../shape.js';
import type { CpuBackend } from '../cpu-backend.js';
import { contiguousValues, emptyLike, inputOffsets, type StridedInput, stridedInput, stridedOffsets, withoutDim } from '../strided.js';
import { contiguousImpl } from './copy.js';

/* index_select and index_add are gather and scatter_add with an expanded index (ops/indexing.ts). */

/** torch.gather: out has `index`'s shape and out[..., i_dim, ...] = x[..., index[...], ...] along `dim`. */
export function gatherImpl(x: StridedInput, index: StridedInput, dim: number): TypedArray {
  const xBase = stridedOffsets(index.shape, withoutDim(x.strides, dim), x.offset);
  const at = inputOffsets(index);
  const step = x.strides[dim] as number;
  const xv = x.values;
  const iv = index.values;
  const out = emptyLike(xv, at.length);
  for (let p = 0; p < at.length; p++) out[p] = xv[(xBase[p] as number) + (iv[at[p] as number] as number) * step] as number;
  return out;
}

/**
 * torch.scatter_add: a copy of `base` where, for each position of `index`, the matching `src`
 * element is added at `index[...]` along `dim`. Repeated indices accumulate.
 */
export function scatterAddImpl(base: StridedInput, index: StridedInput, src: StridedInput, dim: number): TypedArray {
  const out = contiguousImpl(base);
  const outStrides = contiguousStrides(base.shape);
  const outBase = stridedOffsets(index.shape, withoutDim(outStrides, dim), 0);
  const from = stridedOffsets(index.shape, src.strides, src.offset);
  const at = inputOffsets(index);
  const step = outStrides[dim] as number;
  const iv = index.values;
  const sv = src.values;
  const isBool = out instanceof Uint8Array;
  for (let p = 0; p < at.length; p++) {
    const target = (outBase[p] as number) + (iv[at[p] as number] as number) * step;
    const sum = (out[target] as number) + (sv[from[p] as number] as number);
    // Bool addition is "or"; a running byte count would wrap to 0 after 256 trues.
    out[target] = isBool ? (sum !== 0 ? 1 : 0) : sum;
  }
  return out;
}

/** int32 one-hot rows of shape [...indices.shape, numClasses]; indices are trusted to be in range. */
export function oneHotImpl(indices: StridedInput, numClasses: number): Int32Array {
  const v = contiguousValues(indices);
  const out = new Int32Array(v.length * numClasses);
  for (let i = 0; i < v.length; i++) out[i * numClasses + (v[i] as number)] = 1;
  return out;
}

export const gatherConfig: KernelConfig<'Gather', CpuBackend> = {
  kernelName: 'Gather',
  backendName: 'cpu',
  kernelFunc: (backend, { x, index, dim }) => backend.adopt(gatherImpl(stridedInput(x), stridedInput(index), dim)),
};

export const scatterAddConfig: KernelConfig<'ScatterAdd', CpuBackend> = {
  kernelName: 'ScatterAdd',
  backendName: 'cpu',
  kernelFunc: (backend, { base, index, src, dim }) =>
    backend.adopt(scatterAddImpl(stridedInput(base), stridedInput(index), stridedInput(src), dim)),
};

export const oneHotConfig: KernelConfig<'OneHot', CpuBackend> = {
  kernelName: 'OneHot',
  backendName: 'cpu',
  kernelFunc: (backend, { indices, numClasses }) => backend.adopt(oneHotImpl(stridedInput(indices), numClasses)),
};
