/*
 * The part of the WebAssembly JS API this package uses. TypeScript declares the namespace only in
 * its DOM libraries, which a Node package should not pull in; nothing here appears in the public
 * declarations, so consumers never need it.
 */
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }

  /** A shared linear memory: `buffer` is a SharedArrayBuffer, replaced (longer) after each `grow`. */
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: SharedArrayBuffer;
    grow(deltaPages: number): number;
  }

  class Module {
    constructor(bytes: Uint8Array);
  }

  type ExportValue = ((...args: number[]) => number | undefined) | Memory;

  function validate(bytes: Uint8Array): boolean;

  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, Memory>>);
    readonly exports: Record<string, ExportValue>;
  }
}
