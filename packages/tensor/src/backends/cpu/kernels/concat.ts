import type { TypedArray } from '../../../dtype.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import { shapeSize, type Shape } from '../../../shape.js';
import type { CpuBackend } from '../cpu-backend.js';
import { contiguousValues, emptyLike, type StridedInput, stridedInput } from '../strided.js';

/**
 * `inputs` (one dtype, at least one input) joined along `dim` into a row-major array of `outShape`.
 * Each input contributes one contiguous block per index of the dims before `dim`.
 */
export function concatImpl(inputs: readonly StridedInput[], dim: number, outShape: Shape): TypedArray {
  const first = inputs[0];
  if (!first) throw new Error('concatImpl: expected at least one input');
  const out = emptyLike(first.values, shapeSize(outShape));
  const outer = shapeSize(outShape.slice(0, dim));
  const inner = shapeSize(outShape.slice(dim + 1));
  const outBlock = (outShape[dim] as number) * inner;
  let start = 0;
  for (const input of inputs) {
    const values = contiguousValues(input);
    const block = (input.shape[dim] as number) * inner;
    for (let o = 0; o < outer; o++) out.set(values.subarray(o * block, (o + 1) * block), o * outBlock + start);
    start += block;
  }
  return out;
}

export const concatConfig: KernelConfig<'Concat', CpuBackend> = {
  kernelName: 'Concat',
  backendName: 'cpu',
  kernelFunc: (backend, { inputs, dim, outShape }) => backend.adopt(concatImpl(inputs.map(stridedInput), dim, outShape)),
};
