import { GPUJS_MODES, gpuJsSupports, type GpuJsMode } from './gpujs.js';
import { runProbe } from '@kindling/tensor';
import { dawnAdapterProbe, installNodeWebGpu, navigatorGpu } from './webgpu-node.js';

/** A mode the backend passed over while choosing, and why. */
export interface SkippedMode {
  mode: GpuJsMode;
  reason: string;
}

export interface ModeChoice {
  mode: GpuJsMode;
  /** The better modes that could not start here, best first. */
  skipped: SkippedMode[];
}

function isMode(value: string): value is GpuJsMode {
  return (GPUJS_MODES as readonly string[]).includes(value);
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // Loader errors run to many lines (every path tried); the first says what went wrong.
  return (text.split('\n')[0] ?? text).replace(/\s*Tried:$/, '');
}

/**
 * The mode asked for by `explicit`, else by the `KINDLING_GPUJS_MODE` environment variable; undefined
 * when neither is set, meaning "choose automatically".
 */
export function requestedMode(explicit?: string): GpuJsMode | undefined {
  const value = explicit ?? (typeof process !== 'undefined' ? process.env?.['KINDLING_GPUJS_MODE'] : undefined);
  if (value === undefined || value === '') return undefined;
  if (isMode(value)) return value;
  throw new Error(`KINDLING_GPUJS_MODE='${value}' is not a gpu.js mode (expected one of ${GPUJS_MODES.join(', ')})`);
}

/** Node's `createRequire`, loaded by name at run time so that browser bundlers never try to resolve Node's modules. */
async function nodeCreateRequire(): Promise<(from: string) => NodeJS.Require> {
  const moduleName = 'node:module';
  const { createRequire }: { createRequire: (from: string) => NodeJS.Require } = await import(/* @vite-ignore */ moduleName);
  return createRequire;
}

/** Why Dawn cannot give gpu.js an adapter, found in a child process; undefined when it can. */
async function dawnFailure(): Promise<string | undefined> {
  const createRequire = await nodeCreateRequire();
  return (await runProbe(dawnAdapterProbe(createRequire(import.meta.url).resolve('webgpu')))).reason;
}

/** Why headless-gl does not load, in the words of its loader. */
async function headlessGlFailure(): Promise<string> {
  const createRequire = await nodeCreateRequire();
  const fromGpuJs = createRequire(createRequire(import.meta.url).resolve('gpu.js'));
  try {
    fromGpuJs('gl');
    return 'headless-gl loaded but could not create a WebGL context';
  } catch (error) {
    return `gpu.js's optional 'gl' package does not load: ${messageOf(error)}`;
  }
}

/**
 * Why no WebAssembly memory can be made here, or undefined. Every kernel of webasm mode makes one,
 * and under a limit on virtual memory (`ulimit -v`) V8 cannot reserve the address space each needs:
 * found at the start, the mode is skipped with this reason instead of failing at the first kernel.
 */
function webAssemblyMemoryFailure(): string | undefined {
  // By its shape: TypeScript declares the WebAssembly namespace only in its DOM libraries.
  const { WebAssembly: wasm } = globalThis as typeof globalThis & { WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => object } };
  try {
    new wasm.Memory({ initial: 1, maximum: 4096 });
    return undefined;
  } catch (error) {
    return `no WebAssembly memory can be made (${messageOf(error)}); a limit on virtual memory (ulimit -v) does this`;
  }
}

/** Undefined when `mode` can run here, else the reason it cannot. */
async function unavailableReason(mode: GpuJsMode): Promise<string | undefined> {
  switch (mode) {
    case 'webgpu':
      try {
        if (!navigatorGpu()) {
          if (!isNode()) return 'navigator.gpu is missing: this browser has no WebGPU';
          const failure = await dawnFailure();
          if (failure !== undefined) return failure;
          await installNodeWebGpu();
        }
        const adapter = await navigatorGpu()?.requestAdapter();
        return adapter ? undefined : 'navigator.gpu answered no adapter';
      } catch (error) {
        return `the webgpu package (Dawn) does not load: ${messageOf(error)}`;
      }
    case 'webgl2':
      return gpuJsSupports('webgl2') ? undefined : 'no WebGL2 context: gpu.js runs webgl2 in browsers only';
    case 'headlessgl':
      if (gpuJsSupports('headlessgl')) return undefined;
      return isNode() ? headlessGlFailure() : 'headless-gl is for Node, not browsers';
    case 'webasm':
      return gpuJsSupports('webasm') ? webAssemblyMemoryFailure() : 'WebAssembly is not available';
  }
}

/**
 * The best gpu.js mode that starts here (webgpu where an adapter answers, then webgl2, headlessgl,
 * webasm), or exactly `requested`. Throws with every reason when nothing starts.
 */
export async function chooseMode(requested?: GpuJsMode): Promise<ModeChoice> {
  const skipped: SkippedMode[] = [];
  for (const mode of requested ? [requested] : GPUJS_MODES) {
    const reason = await unavailableReason(mode);
    if (reason === undefined) return { mode, skipped };
    skipped.push({ mode, reason });
  }
  throw new Error(skipped.map(({ mode, reason }) => `gpu.js mode '${mode}' is unavailable: ${reason}`).join('; '));
}
