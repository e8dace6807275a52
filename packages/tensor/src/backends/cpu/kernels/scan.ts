import { shapeSize } from '../../../shape.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import type { CpuBackend } from '../cpu-backend.js';
import { contiguousValues, emptyLike, stridedInput } from '../strided.js';

/*
 * Kernels that run along one dim or over the matrix positions of a contiguous copy: triangles
 * (tril, triu), running sums (cumsum and its gradient, the reversed cumsum) and sorting.
 */

export const triangleConfig: KernelConfig<'Triangle', CpuBackend> = {
  kernelName: 'Triangle',
  backendName: 'cpu',
  kernelFunc: (backend, { x, diagonal, upper }) => {
    const values = contiguousValues(stridedInput(x));
    const out = emptyLike(values, values.length);
    const rows = x.shape[x.shape.length - 2] as number;
    const cols = x.shape[x.shape.length - 1] as number;
    for (let i = 0; i < values.length; i++) {
      const col = i % cols;
      const row = Math.floor(i / cols) % rows;
      const inside = upper ? col - row >= diagonal : col - row <= diagonal;
      out[i] = inside ? (values[i] as number) : 0;
    }
    return backend.adopt(out);
  },
};

export const cumsumConfig: KernelConfig<'Cumsum', CpuBackend> = {
  kernelName: 'Cumsum',
  backendName: 'cpu',
  kernelFunc: (backend, { x, dim, reverse }) => {
    const values = contiguousValues(stridedInput(x));
    const out = emptyLike(values, values.length);
    const extent = x.shape[dim] as number;
    const inner = shapeSize(x.shape.slice(dim + 1));
    const outer = shapeSize(x.shape.slice(0, dim));
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        let total = 0;
        for (let step = 0; step < extent; step++) {
          const at = o * extent * inner + (reverse ? extent - 1 - step : step) * inner + j;
          total += values[at] as number;
          out[at] = total;
        }
      }
    }
    return backend.adopt(out);
  },
};

/** a before b in ascending order, NaN last (PyTorch's order); 0 for ties, which a stable sort keeps in place. */
function ascending(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export const argsortConfig: KernelConfig<'Argsort', CpuBackend> = {
  kernelName: 'Argsort',
  backendName: 'cpu',
  kernelFunc: (backend, { x, dim, descending }) => {
    const values = contiguousValues(stridedInput(x));
    const out = new Int32Array(values.length);
    const extent = x.shape[dim] as number;
    const inner = shapeSize(x.shape.slice(dim + 1));
    const outer = shapeSize(x.shape.slice(0, dim));
    const order = Array.from({ length: extent }, (_, k) => k);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const at = (k: number): number => values[o * extent * inner + k * inner + j] as number;
        // Array.prototype.sort is stable, so ties keep their positions in either direction.
        const sorted = [...order].sort((p, q) => (descending ? ascending(at(q), at(p)) : ascending(at(p), at(q))));
        sorted.forEach((k, rank) => (out[o * extent * inner + rank * inner + j] = k));
      }
    }
    return backend.adopt(out);
  },
};
