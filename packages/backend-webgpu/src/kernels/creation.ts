import { contiguousStrides, shapeSize, type KernelConfig } from '@kindling/tensor';
import { workgroupGrid } from '../program.js';
import { FillProgram, fillBits } from '../programs/fill.js';
import { fillScalar } from './elementwise-fusion.js';
import { isRowMajor } from '../programs/elementwise.js';
import { PlaceProgram } from '../programs/place.js';
import { RandomProgram } from '../programs/random.js';
import type { WebGpuBackend } from '../webgpu-backend.js';

const FILL = new FillProgram();

export const fillConfig: KernelConfig<'Fill', WebGpuBackend> = {
  kernelName: 'Fill',
  backendName: 'webgpu',
  kernelFunc: (backend, { size, value, dtype }) => {
    const bits = fillBits(value, dtype);
    // A scalar operand (the 2 of x.mul(2)) joins the pending elementwise chain as a uniform.
    if (size === 1) return fillScalar(backend, dtype, bits);
    const out = backend.allocate(dtype, size);
    if (size === 0) return out;
    // Zeros (the commonest fill: the 0 of where(…, 0) and gt(0), zeros()) are a clear command,
    // which costs less to record than a compute pass.
    if (bits === 0) backend.clear(out);
    else backend.dispatch(FILL, [], [out], Uint32Array.of(size, bits), workgroupGrid(Math.ceil(size / 64)));
    return out;
  },
};

export const randomConfig: KernelConfig<'Random', WebGpuBackend> = {
  kernelName: 'Random',
  backendName: 'webgpu',
  kernelFunc: (backend, { size, dtype, distribution, stream }) => {
    const out = backend.allocate(dtype, size);
    if (size === 0) return out;
    const program = new RandomProgram(distribution.kind, dtype);
    backend.dispatch(program, [], [out], program.uniforms(size, distribution, stream), workgroupGrid(Math.ceil(size / 64)));
    return out;
  },
};

export const concatConfig: KernelConfig<'Concat', WebGpuBackend> = {
  kernelName: 'Concat',
  backendName: 'webgpu',
  kernelFunc: (backend, { inputs, dim, outShape }) => {
    const first = inputs[0];
    if (!first) throw new Error('webgpu: Concat needs at least one input');
    const out = backend.allocate(first.dtype, shapeSize(outShape));
    const strides = contiguousStrides(outShape);
    const program = new PlaceProgram(outShape.length);
    // With nothing outside `dim` (cat along dim 0, or of 1-D tensors), each input's slab of the
    // output is one run of elements: a row-major input fills it with a copy command, not a dispatch.
    const slabsAreRuns = shapeSize(outShape.slice(0, dim)) === 1;
    let start = 0;
    for (const input of inputs) {
      const size = shapeSize(input.shape);
      const outOffset = start * (strides[dim] as number);
      start += input.shape[dim] as number;
      if (size === 0) continue;
      if (slabsAreRuns && isRowMajor(input)) backend.copy(input.storage, input.offset, out, outOffset, size);
      else backend.dispatch(program, [input.storage], [out], program.uniforms(input, outOffset, strides), workgroupGrid(Math.ceil(size / 64)));
    }
    return out;
  },
};
