import { shapeSize, type KernelArgs, type KernelConfig, type KernelName, type View, type Windows2d } from '@kindling/tensor';
import type { KernelExport } from '../pool/kernel-module.js';
import type { WorkersStorage } from '../shared-heap.js';
import type { WorkersBackend } from '../workers-backend.js';
import { onCpu } from './fallback.js';
import { isDense, runSplit } from './layout.js';

/*
 * im2col, col2im and max pooling in WebAssembly (assembly/windows.ts), split across threads by
 * [N·C] planes, which read and write disjoint memory. Other dtypes and strided inputs use the cpu
 * kernels.
 */

/**
 * Work per thread below which a call stays on the calling thread: like the elementwise kernels,
 * these move about a float per nanosecond, so 2^17 elements are ~100 µs against ~10 µs to wake a
 * worker.
 */
export const WINDOWS_PARALLEL_ELEMENTS = 1 << 17;

type WindowsKernel = Extract<KernelName, 'Im2Col' | 'Col2Im' | 'MaxPool2d' | 'MaxPool2dGrad'>;

/** The module's geometry arguments: the plane size, then each axis's kernel, stride, dilation, padding and window count. */
function geometryArgs(windows: Windows2d, height: number, width: number): number[] {
  const { height: rows, width: cols } = windows;
  return [height, width, rows.kernel, cols.kernel, rows.stride, cols.stride, rows.dilation, cols.dilation, rows.padBefore, cols.padBefore, rows.outSize, cols.outSize];
}

interface PlaneCall {
  /** The float32 views the call reads, each [planes, …] and dense. */
  inputs: readonly View<WorkersStorage>[];
  /** Elements per plane of each input, then of the output. */
  inputPlane: readonly number[];
  outputPlane: number;
  planes: number;
  height: number;
  width: number;
  windows: Windows2d;
}

/** Runs `kernel` over ranges of planes on the threads, or the cpu kernel for inputs the module does not take. */
function runPlanes<K extends WindowsKernel>(backend: WorkersBackend, name: K, args: KernelArgs<WorkersStorage>[K], kernel: KernelExport, call: PlaneCall): WorkersStorage {
  if (call.inputs.some((view) => view.dtype !== 'float32' || !isDense(view))) return onCpu(backend, name, args);
  const out = backend.heap.allocate('float32', call.planes * call.outputPlane);
  if (out.size === 0) return out;
  const perPlane = Math.max(call.outputPlane, ...call.inputPlane);
  const geometry = geometryArgs(call.windows, call.height, call.width);
  runSplit(backend, name, call.planes, Math.ceil(WINDOWS_PARALLEL_ELEMENTS / perPlane), 1, (start, end) => ({
    kernel,
    args: [
      ...call.inputs.map((view, i) => backend.address(view) + start * (call.inputPlane[i] as number) * 4),
      out.byteOffset + start * call.outputPlane * 4,
      end - start,
      ...geometry,
    ],
  }));
  return out;
}

function taps(windows: Windows2d): number {
  return windows.height.kernel * windows.width.kernel;
}

function positions(windows: Windows2d): number {
  return windows.height.outSize * windows.width.outSize;
}

function planesOf(view: View<WorkersStorage>): number {
  return shapeSize(view.shape.slice(0, 2));
}

export const im2colConfig: KernelConfig<'Im2Col', WorkersBackend> = {
  kernelName: 'Im2Col',
  backendName: 'workers',
  kernelFunc: (backend, args) => {
    const [height, width] = args.x.shape.slice(2) as [number, number];
    const { windows } = args;
    return runPlanes(backend, 'Im2Col', args, 'im2colF32', {
      inputs: [args.x],
      inputPlane: [height * width],
      outputPlane: taps(windows) * positions(windows),
      planes: planesOf(args.x),
      height,
      width,
      windows,
    });
  },
};

export const col2imConfig: KernelConfig<'Col2Im', WorkersBackend> = {
  kernelName: 'Col2Im',
  backendName: 'workers',
  kernelFunc: (backend, args) => {
    const { windows, height, width } = args;
    return runPlanes(backend, 'Col2Im', args, 'col2imF32', {
      inputs: [args.columns],
      inputPlane: [taps(windows) * positions(windows)],
      outputPlane: height * width,
      planes: planesOf(args.columns),
      height,
      width,
      windows,
    });
  },
};

export const maxPool2dConfig: KernelConfig<'MaxPool2d', WorkersBackend> = {
  kernelName: 'MaxPool2d',
  backendName: 'workers',
  kernelFunc: (backend, args) => {
    const [height, width] = args.x.shape.slice(2) as [number, number];
    return runPlanes(backend, 'MaxPool2d', args, 'maxPoolF32', {
      inputs: [args.x],
      inputPlane: [height * width],
      outputPlane: positions(args.windows),
      planes: planesOf(args.x),
      height,
      width,
      windows: args.windows,
    });
  },
};

export const maxPool2dGradConfig: KernelConfig<'MaxPool2dGrad', WorkersBackend> = {
  kernelName: 'MaxPool2dGrad',
  backendName: 'workers',
  kernelFunc: (backend, args) => {
    const [height, width] = args.x.shape.slice(2) as [number, number];
    return runPlanes(backend, 'MaxPool2dGrad', args, 'maxPoolGradF32', {
      inputs: [args.x, args.gradOutput],
      inputPlane: [height * width, positions(args.windows)],
      outputPlane: height * width,
      planes: planesOf(args.x),
      height,
      width,
      windows: args.windows,
    });
  },
};
