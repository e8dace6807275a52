import { shapeSize, type DType, type View } from '@kindling/tensor';
import type { GpuJsBackend, GpuJsStorage } from '../gpujs-backend.js';
import type { DeviceValue, KernelArgument, KernelSettings, KernelSource, KernelThis } from '../gpujs.js';
import { isWhole, layoutKey, offsetTable } from '../strided.js';
import { allocate, type Pending } from '../values.js';

/*
 * Kernels read a constant table into a local before indexing with it: gpu.js's GL backends hoist a
 * table read used directly as an index into a variable named after its position in the statement,
 * so two such statements in one scope declare the same GLSL name twice.
 */

/** Reads `x` at the storage offsets in the constant `offsets`: a strided or broadcast view, in row-major order. */
export const readAtOffsets = function (this: KernelThis<{ offsets: Float32Array }>, x: Float32Array): number {
  const at = this.constants.offsets[this.thread.x] as number;
  return x[at] as number;
};

/**
 * An element-per-thread kernel over `size` outputs, compiled once per `key` with the settings
 * `settings()` gives (called only when compiling: constant tables cost a pass over the data).
 */
export function launch(
  backend: GpuJsBackend,
  key: string,
  source: KernelSource,
  size: number,
  args: readonly Pending<KernelArgument>[],
  settings: () => Omit<KernelSettings, 'output'> = () => ({}),
): Pending<DeviceValue> {
  return backend.run(`${key}|${size}`, source, () => ({ ...settings(), output: [size] }), args);
}

/** `view`'s elements in row-major order as a kernel argument, and whether it is a temporary copy to free. */
export function flatInput(backend: GpuJsBackend, view: View<GpuJsStorage>): { value: Pending<DeviceValue>; temporary: boolean } {
  const storage = backend.deviceArgument(view.storage);
  if (isWhole(view)) return { value: storage, temporary: false };
  const size = shapeSize(view.shape);
  const settings = () => ({ constants: { offsets: offsetTable(view.shape, view.strides, view.offset) } });
  return { value: launch(backend, `Contiguous|${layoutKey(view)}`, readAtOffsets, size, [storage], settings), temporary: true };
}

/**
 * Runs `compute` on the row-major forms of `views` and wraps its result as a storage of `dtype`
 * and `size` elements; the temporary copies are freed once the result is ready.
 */
export function elementwise(
  backend: GpuJsBackend,
  views: readonly View<GpuJsStorage>[],
  output: { dtype: DType; size: number },
  compute: (inputs: Pending<DeviceValue>[]) => Pending<DeviceValue>,
): GpuJsStorage {
  if (output.size === 0) return backend.adopt(output.dtype, 0, allocate(output.dtype, 0));
  const inputs = views.map((view) => flatInput(backend, view));
  const result = compute(inputs.map((input) => input.value));
  const temporaries = inputs.filter((input) => input.temporary).map((input) => input.value);
  return backend.adopt(output.dtype, output.size, backend.freeAfter(result, temporaries));
}
