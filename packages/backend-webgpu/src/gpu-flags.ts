/*
 * WebGPU's flag constants as plain numbers. Browsers define GPUBufferUsage and friends as globals,
 * but Dawn in Node only offers them in the `globals` object that we deliberately do not install,
 * so the backend carries the (spec-fixed) values itself.
 */

/** GPUBufferUsage bits. */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

/** GPUShaderStage.COMPUTE. */
export const COMPUTE_STAGE = 0x4;

/** GPUMapMode.READ. */
export const MAP_READ_MODE = 0x0001;
