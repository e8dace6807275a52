import './announce.js';
export { GpuJsBackend, GpuJsStorage } from './gpujs-backend.js';
export { GPUJS_MODES, type GpuJsMode } from './gpujs.js';
export type { ModeChoice, SkippedMode } from './modes.js';
export { registerGpuJsBackend, type GpuJsBackendOptions } from './register.js';
