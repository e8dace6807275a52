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

/** A stride-0 view of the 1-D `index` spread over `shape`, varying only along `dim` (IndexSelect and IndexAdd reuse Gather and ScatterAdd with it). */
export function expandIndex(index: View<WebGpuStorage>, shape: readonly number[], dim: number): View<WebGpuStorage> {
  const step = index.strides[0] ?? 1;
  return { storage: index.storage, dtype: index.dtype, shape, strides: shape.map((_, d) => (d === dim ? step : 0)), offset: index.offset };
}
