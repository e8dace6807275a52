/*
 * The compiled kernel module (dist/kernels.wasm, built from assembly/ by `pnpm build`) and its
 * instantiation, shared by the main thread and the workers. Calls cross threads as an index into
 * KERNEL_EXPORTS plus float64 arguments, so both sides must agree on this list.
 */

import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { CompiledModule, SharedMemory } from '../wasm-types.js';

/** The kernel functions, in the order their indices travel through the control block. */
export const KERNEL_EXPORTS = [
  'matmulF32',
  'unaryF32',
  'unaryMathF32',
  'binaryF32',
  'binaryRowsF32',
  'binaryColumnsF32',
  'binaryScalarF32',
  'compareF32',
  'where32',
  'sumRowsF32',
  'sumColumnsF32',
  'adamF32',
  'sgdF32',
  'adadeltaF32',
  'rmspropF32',
  'adagradF32',
  'copy2d32',
  'im2colF32',
  'col2imF32',
  'maxPoolF32',
  'maxPoolGradF32',
  'softmaxRowsF32',
] as const;

export type KernelExport = (typeof KERNEL_EXPORTS)[number];

type KernelFunction = (...args: number[]) => number | undefined;

/** An instance over the shared memory: its kernels by name, and the sizes it reports. */
export interface KernelInstance {
  readonly kernels: Readonly<Record<KernelExport, KernelFunction>>;
  /** The first byte after the module's static data. */
  readonly heapBase: number;
  readonly matmulScratchBytes: number;
  readonly reduceScratchBytes: number;
}

// Resolve to the package's dist/ both from src/pool (tests run the sources) and from dist/pool.
const PLAIN_URL = new URL('../../dist/kernels.wasm', import.meta.url);
const RELAXED_URL = new URL('../../dist/kernels-relaxed.wasm', import.meta.url);

function readModule(url: URL): Uint8Array {
  try {
    return readFileSync(url);
  } catch (error) {
    throw new Error(`the kernel module ${url.pathname} is missing: build @kindling/backend-workers first (pnpm build)`, { cause: error });
  }
}

/**
 * Whether the engine accepts relaxed SIMD. V8 ships it from 11.4 (Node 21 and later); Node 20's
 * V8 11.3 has it behind a flag, which is turned on here unless `KINDLING_RELAXED_SIMD=0`: the
 * flag only lets modules use the standardised relaxed-SIMD instructions.
 */
function relaxedSimdAvailable(bytes: Uint8Array): boolean {
  if (WebAssembly.validate(bytes)) return true;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(bytes);
}

/** The compiled kernel module, and whether it is the relaxed-SIMD (fused multiply-add) build. */
export interface KernelModule {
  readonly module: CompiledModule;
  readonly relaxedSimd: boolean;
}

/**
 * Compiles dist/kernels-relaxed.wasm where the engine accepts relaxed SIMD, else
 * dist/kernels.wasm (plain 128-bit SIMD); both are built from assembly/ by `pnpm build`.
 */
export function compileKernelModule(env: NodeJS.ProcessEnv = process.env): KernelModule {
  const relaxed = env['KINDLING_RELAXED_SIMD'] === '0' ? undefined : readModule(RELAXED_URL);
  if (relaxed && relaxedSimdAvailable(relaxed)) return { module: new WebAssembly.Module(relaxed), relaxedSimd: true };
  return { module: new WebAssembly.Module(readModule(PLAIN_URL)), relaxedSimd: false };
}

function exportedFunction(instance: WebAssembly.Instance, name: string): KernelFunction {
  const value = instance.exports[name];
  if (typeof value !== 'function') throw new Error(`the kernel module has no function '${name}': rebuild @kindling/backend-workers`);
  return value;
}

/** Instantiates `module` over `memory`; on every thread the same code then sees the same bytes. */
export function instantiateKernels(module: CompiledModule, memory: SharedMemory): KernelInstance {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const kernels = Object.fromEntries(KERNEL_EXPORTS.map((name) => [name, exportedFunction(instance, name)]));
  const size = (name: string): number => Number(exportedFunction(instance, name)());
  return {
    // fromEntries loses the key type; every KERNEL_EXPORTS name was just looked up.
    kernels: kernels as Record<KernelExport, KernelFunction>,
    heapBase: size('heapBase'),
    matmulScratchBytes: size('matmulScratchBytes'),
    reduceScratchBytes: size('reduceScratchBytes'),
  };
}
