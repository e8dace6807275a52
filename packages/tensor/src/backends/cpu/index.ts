export { CpuBackend, CpuStorage, registerCpuBackend } from './cpu-backend.js';
export * from './kernels/index.js';
export {
  contiguousInput,
  contiguousValues,
  inputOffsets,
  type StridedInput,
  stridedInput,
  stridedOffsets,
} from './strided.js';
