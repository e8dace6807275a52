import { CpuBackend, getKernel, type CpuStorage, type InPlaceKernelName, type KernelArgs, type KernelName, type Storage, type View } from '@kindling/tensor';
import type { WorkersBackend } from '../workers-backend.js';
import type { WorkersStorage } from '../shared-heap.js';

/*
 * Every kernel the WebAssembly module does not cover (other dtypes, unusual layouts, ops off the
 * tutorial's hot path) runs the reference cpu kernel directly on typed-array views of the shared
 * memory: inputs are read in place, the result is copied into a new storage, and in-place kernels
 * (optimizer steps) write straight into the shared memory.
 */

// The cpu kernels hand their results to `adopt` on this private instance, never to the registry's.
const cpu = new CpuBackend();

/** A cpu storage over the same shared-memory elements (no copy). */
function cpuStorage(backend: WorkersBackend, storage: WorkersStorage): CpuStorage {
  return { dtype: storage.dtype, size: storage.size, values: backend.heap.view(storage) };
}

function cpuView(backend: WorkersBackend, view: View<WorkersStorage>): View<CpuStorage> {
  return { storage: cpuStorage(backend, view.storage), dtype: view.dtype, shape: view.shape, strides: view.strides, offset: view.offset };
}

function isCpuStorage(result: Storage | void): result is CpuStorage {
  return typeof result === 'object' && 'values' in result;
}

function cpuKernel(name: KernelName): NonNullable<ReturnType<typeof getKernel>> {
  const kernel = getKernel(name, 'cpu');
  if (!kernel) throw new Error(`workers backend: the cpu kernel '${name}' it falls back on is not registered`);
  return kernel;
}

/** Runs the cpu kernel `name` on `args` (already cpu views) and moves its result into the shared memory. */
function viaCpu<K extends Exclude<KernelName, InPlaceKernelName>>(backend: WorkersBackend, name: K, args: KernelArgs<CpuStorage>[K]): WorkersStorage {
  const result = cpuKernel(name)(cpu, args);
  if (!isCpuStorage(result)) throw new Error(`internal: the cpu kernel '${name}' returned no storage`);
  return backend.upload(result.values);
}

/** The cpu kernels, taking and returning workers storages. */
export const fallback = {
  Contiguous: (backend: WorkersBackend, { x }: KernelArgs<WorkersStorage>['Contiguous']) => viaCpu(backend, 'Contiguous', { x: cpuView(backend, x) }),
  Cast: (backend: WorkersBackend, { x, dtype }: KernelArgs<WorkersStorage>['Cast']) => viaCpu(backend, 'Cast', { x: cpuView(backend, x), dtype }),
  Unary: (backend: WorkersBackend, { x, op }: KernelArgs<WorkersStorage>['Unary']) => viaCpu(backend, 'Unary', { x: cpuView(backend, x), op }),
  Binary: (backend: WorkersBackend, { a, b, op }: KernelArgs<WorkersStorage>['Binary']) =>
    viaCpu(backend, 'Binary', { a: cpuView(backend, a), b: cpuView(backend, b), op }),
  Compare: (backend: WorkersBackend, { a, b, op }: KernelArgs<WorkersStorage>['Compare']) =>
    viaCpu(backend, 'Compare', { a: cpuView(backend, a), b: cpuView(backend, b), op }),
  Where: (backend: WorkersBackend, { condition, a, b }: KernelArgs<WorkersStorage>['Where']) =>
    viaCpu(backend, 'Where', { condition: cpuView(backend, condition), a: cpuView(backend, a), b: cpuView(backend, b) }),
  MatMul: (backend: WorkersBackend, { a, b }: KernelArgs<WorkersStorage>['MatMul']) => viaCpu(backend, 'MatMul', { a: cpuView(backend, a), b: cpuView(backend, b) }),
  Reduce: (backend: WorkersBackend, { x, dims, op }: KernelArgs<WorkersStorage>['Reduce']) => viaCpu(backend, 'Reduce', { x: cpuView(backend, x), dims, op }),
  ArgReduce: (backend: WorkersBackend, { x, dim, op }: KernelArgs<WorkersStorage>['ArgReduce']) => viaCpu(backend, 'ArgReduce', { x: cpuView(backend, x), dim, op }),
  Softmax: (backend: WorkersBackend, { x, dim, log }: KernelArgs<WorkersStorage>['Softmax']) => viaCpu(backend, 'Softmax', { x: cpuView(backend, x), dim, log }),
  Gather: (backend: WorkersBackend, { x, index, dim }: KernelArgs<WorkersStorage>['Gather']) =>
    viaCpu(backend, 'Gather', { x: cpuView(backend, x), index: cpuView(backend, index), dim }),
  IndexSelect: (backend: WorkersBackend, { x, index, dim }: KernelArgs<WorkersStorage>['IndexSelect']) =>
    viaCpu(backend, 'IndexSelect', { x: cpuView(backend, x), index: cpuView(backend, index), dim }),
  ScatterAdd: (backend: WorkersBackend, { base, index, src, dim }: KernelArgs<WorkersStorage>['ScatterAdd']) =>
    viaCpu(backend, 'ScatterAdd', { base: cpuView(backend, base), index: cpuView(backend, index), src: cpuView(backend, src), dim }),
  IndexAdd: (backend: WorkersBackend, { base, index, src, dim }: KernelArgs<WorkersStorage>['IndexAdd']) =>
    viaCpu(backend, 'IndexAdd', { base: cpuView(backend, base), index: cpuView(backend, index), src: cpuView(backend, src), dim }),
  OneHot: (backend: WorkersBackend, { indices, numClasses }: KernelArgs<WorkersStorage>['OneHot']) =>
    viaCpu(backend, 'OneHot', { indices: cpuView(backend, indices), numClasses }),
  Concat: (backend: WorkersBackend, { inputs, dim, outShape }: KernelArgs<WorkersStorage>['Concat']) =>
    viaCpu(backend, 'Concat', { inputs: inputs.map((input) => cpuView(backend, input)), dim, outShape }),
  CrossEntropy: (backend: WorkersBackend, { logits, target, ignoreIndex, reduction }: KernelArgs<WorkersStorage>['CrossEntropy']) =>
    viaCpu(backend, 'CrossEntropy', { logits: cpuView(backend, logits), target: cpuView(backend, target), ignoreIndex, reduction }),
  CrossEntropyGrad: (backend: WorkersBackend, { logits, target, gradOutput, ignoreIndex, reduction }: KernelArgs<WorkersStorage>['CrossEntropyGrad']) =>
    viaCpu(backend, 'CrossEntropyGrad', {
      logits: cpuView(backend, logits),
      target: cpuView(backend, target),
      gradOutput: cpuView(backend, gradOutput),
      ignoreIndex,
      reduction,
    }),
  AdamStep: (backend: WorkersBackend, { param, grad, expAvg, expAvgSq, maxExpAvgSq, hyper }: KernelArgs<WorkersStorage>['AdamStep']): void => {
    cpuKernel('AdamStep')(cpu, {
      param: cpuStorage(backend, param),
      grad: cpuView(backend, grad),
      expAvg: cpuStorage(backend, expAvg),
      expAvgSq: cpuStorage(backend, expAvgSq),
      maxExpAvgSq: maxExpAvgSq ? cpuStorage(backend, maxExpAvgSq) : null,
      hyper,
    });
  },
  SgdStep: (backend: WorkersBackend, { param, grad, momentumBuffer, hyper }: KernelArgs<WorkersStorage>['SgdStep']): void => {
    cpuKernel('SgdStep')(cpu, {
      param: cpuStorage(backend, param),
      grad: cpuView(backend, grad),
      momentumBuffer: momentumBuffer ? cpuStorage(backend, momentumBuffer) : null,
      hyper,
    });
  },
};
