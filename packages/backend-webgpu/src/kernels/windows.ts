import { shapeSize, type KernelConfig, type View, type Windows2d } from '@kindling/tensor';
import { workgroupGrid } from '../program.js';
import { WindowsProgram, type WindowsKind } from '../programs/windows.js';
import type { WebGpuBackend, WebGpuStorage } from '../webgpu-backend.js';

/** Runs one sliding-window program over `views` (each [N, C, …]) into a new [outShape] storage. */
function runWindows(backend: WebGpuBackend, kind: WindowsKind, views: readonly View<WebGpuStorage>[], outShape: readonly number[], windows: Windows2d, height: number, width: number): WebGpuStorage {
  const size = shapeSize(outShape);
  const out = backend.allocate('float32', size);
  if (size === 0) return out;
  const program = new WindowsProgram(kind);
  const uniforms = program.uniforms(outShape, windows, height, width, views);
  backend.dispatch(program, views.map((view) => view.storage), [out], uniforms, workgroupGrid(Math.ceil(size / 64)));
  return out;
}

function planes(view: View<WebGpuStorage>): [number, number] {
  return [view.shape[0] as number, view.shape[1] as number];
}

function extent(view: View<WebGpuStorage>): [number, number] {
  return [view.shape[2] as number, view.shape[3] as number];
}

export const im2colConfig: KernelConfig<'Im2Col', WebGpuBackend> = {
  kernelName: 'Im2Col',
  backendName: 'webgpu',
  kernelFunc: (backend, { x, windows }) => {
    const taps = windows.height.kernel * windows.width.kernel;
    const positions = windows.height.outSize * windows.width.outSize;
    return runWindows(backend, 'im2col', [x], [...planes(x), taps, positions], windows, ...extent(x));
  },
};

export const col2imConfig: KernelConfig<'Col2Im', WebGpuBackend> = {
  kernelName: 'Col2Im',
  backendName: 'webgpu',
  kernelFunc: (backend, { columns, windows, height, width }) => runWindows(backend, 'col2im', [columns], [...planes(columns), height, width], windows, height, width),
};

export const maxPool2dConfig: KernelConfig<'MaxPool2d', WebGpuBackend> = {
  kernelName: 'MaxPool2d',
  backendName: 'webgpu',
  kernelFunc: (backend, { x, windows }) => runWindows(backend, 'maxPool', [x], [...planes(x), windows.height.outSize, windows.width.outSize], windows, ...extent(x)),
};

export const maxPool2dGradConfig: KernelConfig<'MaxPool2dGrad', WebGpuBackend> = {
  kernelName: 'MaxPool2dGrad',
  backendName: 'webgpu',
  kernelFunc: (backend, { x, gradOutput, windows }) => runWindows(backend, 'maxPoolGrad', [x, gradOutput], x.shape, windows, ...extent(x)),
};
