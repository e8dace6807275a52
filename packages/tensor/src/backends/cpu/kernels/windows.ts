import type { TypedArray } from '../../../dtype.js';
import type { WindowAxis, Windows2d } from '../../../kernel-names.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import { shapeSize } from '../../../shape.js';
import type { CpuBackend } from '../cpu-backend.js';
import { contiguousValues, emptyLike, type StridedInput, stridedInput } from '../strided.js';

/*
 * The sliding-window kernels (ops/windows.ts) over the row-major [N·C, H, W] planes of their input.
 * The other backends' kernels compute the same sums in the same order.
 */

/** The input position tap `k` of window `o` reads along `axis`, which may fall outside [0, extent). */
function source(axis: WindowAxis, o: number, k: number): number {
  return o * axis.stride - axis.padBefore + k * axis.dilation;
}

/** Calls `visit(tap, window, position)` for every tap of every window that reads inside the [height, width] plane. */
function forEachRead(windows: Windows2d, height: number, width: number, visit: (tap: number, window: number, position: number) => void): void {
  const { height: rows, width: cols } = windows;
  for (let kh = 0; kh < rows.kernel; kh++) {
    for (let kw = 0; kw < cols.kernel; kw++) {
      const tap = kh * cols.kernel + kw;
      for (let oh = 0; oh < rows.outSize; oh++) {
        const ih = source(rows, oh, kh);
        if (ih < 0 || ih >= height) continue;
        for (let ow = 0; ow < cols.outSize; ow++) {
          const iw = source(cols, ow, kw);
          if (iw >= 0 && iw < width) visit(tap, oh * cols.outSize + ow, ih * width + iw);
        }
      }
    }
  }
}

function planeCount(shape: readonly number[]): number {
  return (shape[0] as number) * (shape[1] as number);
}

export function im2colImpl(x: StridedInput, windows: Windows2d): TypedArray {
  const [height, width] = x.shape.slice(2) as [number, number];
  const planeSize = height * width;
  const taps = windows.height.kernel * windows.width.kernel;
  const positions = windows.height.outSize * windows.width.outSize;
  const values = contiguousValues(x);
  const out = emptyLike(values, planeCount(x.shape) * taps * positions);
  for (let plane = 0; plane < planeCount(x.shape); plane++) {
    const from = plane * planeSize;
    const to = plane * taps * positions;
    forEachRead(windows, height, width, (tap, window, position) => {
      out[to + tap * positions + window] = values[from + position] as number;
    });
  }
  return out;
}

export function col2imImpl(columns: StridedInput, windows: Windows2d, height: number, width: number): TypedArray {
  const [, , taps, positions] = columns.shape as [number, number, number, number];
  const planeSize = height * width;
  const values = contiguousValues(columns);
  const out = emptyLike(values, planeCount(columns.shape) * planeSize);
  for (let plane = 0; plane < planeCount(columns.shape); plane++) {
    const from = plane * taps * positions;
    const to = plane * planeSize;
    forEachRead(windows, height, width, (tap, window, position) => {
      out[to + position] = (out[to + position] as number) + (values[from + tap * positions + window] as number);
    });
  }
  return out;
}

/**
 * For each window of one plane, the position of its maximum as PyTorch picks it: the first largest
 * entry, or the last NaN; a window that reads only padding keeps its first position inside.
 */
function windowMaxima(values: TypedArray, from: number, windows: Windows2d, height: number, width: number): Int32Array {
  const best = new Int32Array(windows.height.outSize * windows.width.outSize).fill(-1);
  forEachRead(windows, height, width, (_tap, window, position) => {
    const current = best[window] as number;
    const value = values[from + position] as number;
    if (current === -1 || value > (values[from + current] as number) || Number.isNaN(value)) best[window] = position;
  });
  return best;
}

export function maxPool2dImpl(x: StridedInput, windows: Windows2d): TypedArray {
  const [height, width] = x.shape.slice(2) as [number, number];
  const values = contiguousValues(x);
  const positions = windows.height.outSize * windows.width.outSize;
  const out = emptyLike(values, planeCount(x.shape) * positions);
  for (let plane = 0; plane < planeCount(x.shape); plane++) {
    const from = plane * height * width;
    windowMaxima(values, from, windows, height, width).forEach((position, window) => {
      out[plane * positions + window] = position === -1 ? -Infinity : (values[from + position] as number);
    });
  }
  return out;
}

export function maxPool2dGradImpl(x: StridedInput, gradOutput: StridedInput, windows: Windows2d): TypedArray {
  const [height, width] = x.shape.slice(2) as [number, number];
  const values = contiguousValues(x);
  const grads = contiguousValues(gradOutput);
  const positions = windows.height.outSize * windows.width.outSize;
  const out = emptyLike(values, shapeSize(x.shape));
  for (let plane = 0; plane < planeCount(x.shape); plane++) {
    const from = plane * height * width;
    windowMaxima(values, from, windows, height, width).forEach((position, window) => {
      if (position !== -1) out[from + position] = (out[from + position] as number) + (grads[plane * positions + window] as number);
    });
  }
  return out;
}

export const im2colConfig: KernelConfig<'Im2Col', CpuBackend> = {
  kernelName: 'Im2Col',
  backendName: 'cpu',
  kernelFunc: (backend, { x, windows }) => backend.adopt(im2colImpl(stridedInput(x), windows)),
};

export const col2imConfig: KernelConfig<'Col2Im', CpuBackend> = {
  kernelName: 'Col2Im',
  backendName: 'cpu',
  kernelFunc: (backend, { columns, windows, height, width }) => backend.adopt(col2imImpl(stridedInput(columns), windows, height, width)),
};

export const maxPool2dConfig: KernelConfig<'MaxPool2d', CpuBackend> = {
  kernelName: 'MaxPool2d',
  backendName: 'cpu',
  kernelFunc: (backend, { x, windows }) => backend.adopt(maxPool2dImpl(stridedInput(x), windows)),
};

export const maxPool2dGradConfig: KernelConfig<'MaxPool2dGrad', CpuBackend> = {
  kernelName: 'MaxPool2dGrad',
  backendName: 'cpu',
  kernelFunc: (backend, { x, gradOutput, windows }) => backend.adopt(maxPool2dGradImpl(stridedInput(x), stridedInput(gradOutput), windows)),
};
