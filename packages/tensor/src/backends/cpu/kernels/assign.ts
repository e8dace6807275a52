import type { KernelConfig } from '../../../kernel-registry.js';
import type { CpuBackend } from '../cpu-backend.js';
import { contiguousValues, inputOffsets, stridedInput, unitStrideRows } from '../strided.js';

/** Writes `source`'s elements, in row-major order, into the strided `target` window of its storage. */
export const assignConfig: KernelConfig<'Assign', CpuBackend> = {
  kernelName: 'Assign',
  backendName: 'cpu',
  kernelFunc: (_backend, { target, source }) => {
    const into = stridedInput(target);
    const values = contiguousValues(stridedInput(source));
    const rows = unitStrideRows(into);
    if (rows) {
      rows.offsets.forEach((start, row) => into.values.set(values.subarray(row * rows.length, (row + 1) * rows.length), start));
      return;
    }
    const offsets = inputOffsets(into);
    for (let i = 0; i < offsets.length; i++) into.values[offsets[i] as number] = values[i] as number;
  },
};
