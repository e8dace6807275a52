import type { CompiledKernel } from './gpujs.js';

/**
 * Compiled kernels by specialisation key (op, shapes, strides, dtype): gpu.js compilation costs
 * milliseconds to tens of milliseconds, a call microseconds, so each specialisation compiles once.
 * The least recently used kernel is destroyed past `limit`, because each holds device memory
 * (webasm: a WebAssembly.Memory per kernel) and tests create many one-off shapes.
 */
export class KernelCache {
  private readonly kernels = new Map<string, CompiledKernel>();

  constructor(private readonly limit = 256) {}

  get(key: string, compile: () => CompiledKernel): CompiledKernel {
    const cached = this.kernels.get(key);
    if (cached) {
      // Re-inserting moves the key to the back of the Map's insertion order: most recently used.
      this.kernels.delete(key);
      this.kernels.set(key, cached);
      return cached;
    }
    const kernel = compile();
    this.kernels.set(key, kernel);
    if (this.kernels.size > this.limit) {
      const [oldestKey, oldest] = this.kernels.entries().next().value ?? [];
      if (oldestKey !== undefined && oldest) {
        this.kernels.delete(oldestKey);
        oldest.destroy();
      }
    }
    return kernel;
  }

  get size(): number {
    return this.kernels.size;
  }

  clear(): void {
    for (const kernel of this.kernels.values()) kernel.destroy();
    this.kernels.clear();
  }
}
