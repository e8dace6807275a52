/*
 * The WebAssembly objects that appear in this package's public types, declared by their shape.
 * TypeScript declares the `WebAssembly` namespace only in its DOM libraries, which a Node consumer
 * does not load, so a published declaration that names `WebAssembly.Memory` fails their type-check
 * (TS2503). Inside the package, webassembly.d.ts declares the API the code calls.
 */

/** A shared `WebAssembly.Memory`: `buffer` is replaced (longer) after each `grow`. */
export interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
  grow(deltaPages: number): number;
}

/** A compiled `WebAssembly.Module`, opaque outside the pool: each thread instantiates it over the shared memory. */
export type CompiledModule = object;
