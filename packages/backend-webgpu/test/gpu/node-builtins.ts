/*
 * Stand-ins for the Node built-ins that @kindling/nn's conformance suite imports at top level
 * (node:fs/promises, node:os, node:path, node:url). In the browser the suite's file tests are
 * reported as skipped, but importing it must not fail there; each stand-in throws if it is ever
 * called.
 */
function unavailable(name: string): () => never {
  return () => {
    throw new Error(`${name} is not available in a browser`);
  };
}

export const readdir = unavailable('readdir');
export const readFile = unavailable('readFile');
export const mkdir = unavailable('mkdir');
export const mkdtemp = unavailable('mkdtemp');
export const rm = unavailable('rm');
export const writeFile = unavailable('writeFile');
export const tmpdir = unavailable('tmpdir');
export const join = unavailable('join');
export const fileURLToPath = unavailable('fileURLToPath');
