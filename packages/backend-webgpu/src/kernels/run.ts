import { shapeSize, type DType, type View } from '@kindling/tensor';
import { workgroupGrid } from '../program.js';
import type { ElementwiseProgram } from '../programs/elementwise.js';
import type { WebGpuBackend, WebGpuStorage } from '../webgpu-backend.js';

/** Runs an elementwise program over `views` into a fresh storage of `shape` and `dtype`. */
export function runElementwise(backend: WebGpuBackend, program: ElementwiseProgram, views: readonly View<WebGpuStorage>[], shape: readonly number[], dtype: DType): WebGpuStorage {
  const size = shapeSize(shape);
  const out = backend.allocate(dtype, size);
  if (size === 0) return out;
  const storages = views.map((v) => v.storage);
  backend.dispatch(program, storages, [out], program.uniforms(size, shape, views), workgroupGrid(Math.ceil(size / 64)));
  return out;
}

