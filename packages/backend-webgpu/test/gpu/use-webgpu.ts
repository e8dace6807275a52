import { findBackend, setBackend } from '@kindling/tensor';
import { WebGpuBackend } from '../../src/index.js';

/** Makes `webgpu` the current backend and returns it, for tests that read its counters. */
export async function useWebGpu(): Promise<WebGpuBackend> {
  await setBackend('webgpu');
  const found = findBackend('webgpu');
  if (!(found instanceof WebGpuBackend)) throw new Error('expected the webgpu backend');
  return found;
}
