/*
 * The kernel module: every export is a plain function over byte pointers into the one shared
 * memory that the main thread and every worker import. It allocates nothing (the host carves all
 * memory), so the same instance code runs on any thread.
 */
export { copy2d32 } from './copy';
export { binaryColumnsF32, binaryF32, binaryRowsF32, binaryScalarF32, compareF32, unaryF32, where32 } from './elementwise';
export { unaryMathF32 } from './math';
export { softmaxRowsF32 } from './vector-math';
export { matmulF32, matmulScratchBytes } from './matmul';
export { adamF32, sgdF32 } from './optimizer';
export { adadeltaF32, adagradF32, rmspropF32 } from './adaptive-optimizers';
export { reduceScratchBytes, sumColumnsF32, sumRowsF32 } from './reduce';
export { col2imF32, im2colF32, maxPoolF32, maxPoolGradF32 } from './windows';

/** The first byte after the module's static data: the host's allocator starts at or above it. */
export function heapBase(): usize {
  return __heap_base;
}
