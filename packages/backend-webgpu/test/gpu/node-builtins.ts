/*
 * Stand-ins for the Node built-ins that @kindling/nn's safetensors file I/O imports at top level
 * (node:crypto, node:fs/promises). The browser suites never save or load files, but importing nn
 * must not fail there; each stand-in throws if it is ever called.
 */
function unavailable(name: string): () => never {
  return () => {
    throw new Error(`${name} is not available in a browser`);
  };
}

export const randomBytes = unavailable('randomBytes');
export const open = unavailable('open');
export const readdir = unavailable('readdir');
export const readFile = unavailable('readFile');
export const rename = unavailable('rename');
export const unlink = unavailable('unlink');
