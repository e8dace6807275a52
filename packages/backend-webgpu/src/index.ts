/**
 * @kindling/backend-webgpu: Kindling's GPU backend. WGSL compute kernels on WebGPU: Dawn (the
 * `webgpu` package) in Node, `navigator.gpu` in browsers. Importing registers nothing; call
 * `registerWebGpuBackend()`.
 */
import './announce.js';
export { bucketBytes, MIN_BUCKET_BYTES, type BufferPoolStats } from './buffer-pool.js';
export type { GpuLike, GpuPowerPreference } from './gpu-like.js';
export { webGpuKernels } from './kernels/index.js';
export { describeLoadFailure } from './node-gpu.js';
export { createWebGpuBackend, registerWebGpuBackend, type WebGpuBackendOptions } from './register.js';
export { WebGpuBackend, WebGpuStorage, type WebGpuBackendSettings, type WebGpuStats } from './webgpu-backend.js';
