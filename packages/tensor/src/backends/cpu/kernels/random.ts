import { allocateTypedArray, type DType, type TypedArray } from '../../../dtype.js';
import type { RandomDistribution, RandomStream } from '../../../kernel-names.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import type { CpuBackend } from '../cpu-backend.js';

/*
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", 2011), the
 * counter-based generator that PyTorch's CUDA and JAX use: a block of four 32-bit words is a pure
 * function of a 128-bit counter and a 64-bit key, so any element of a stream can be drawn on any
 * backend, in any order, with the same bits. This is the reference every backend matches.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** The high 32 bits of the 64-bit product of two uint32 values, exactly: a·b = (aHi·b + ⌊aLo·b / 2¹⁶⌋)·2¹⁶ + (aLo·b mod 2¹⁶), each part below 2⁵³. */
function mulHi(a: number, b: number): number {
  const low = (a & 0xffff) * b;
  return Math.floor(((a >>> 16) * b + Math.floor(low / 65536)) / 65536);
}

/** The high and low 32 bits of the 64-bit product of two uint32 values. */
export function mulHiLo(a: number, b: number): [number, number] {
  return [mulHi(a, b), Math.imul(a, b) >>> 0];
}

/** Philox4x32-10's block for `counter` under `key`, written into `out` (no allocation: the kernel calls it once per four elements). */
function philoxInto(out: Uint32Array, c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void {
  for (let round = 0; round < 10; round++) {
    const hi0 = mulHi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulHi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** The four words of Philox4x32-10 for `counter` under `key`. */
export function philoxBlock(counter: readonly [number, number, number, number], key: readonly [number, number]): [number, number, number, number] {
  const out = new Uint32Array(4);
  philoxInto(out, ...counter, ...key);
  return [out[0] as number, out[1] as number, out[2] as number, out[3] as number];
}

/** The top 24 bits of `word` as a float in [0, 1): exact in float32, so every backend gets the same value. */
function unit(word: number): number {
  return (word >>> 8) / 16777216;
}

function drawWord(words: Uint32Array, i: number, distribution: RandomDistribution): number {
  const word = words[i & 3] as number;
  if (distribution.kind === 'uniform') return unit(word);
  if (distribution.kind === 'integer') return distribution.low + mulHi(word, distribution.high - distribution.low);
  const pair = i & 2;
  const radius = Math.sqrt(-2 * Math.log1p(-unit(words[pair] as number)));
  const angle = 2 * Math.PI * unit(words[pair + 1] as number);
  return radius * ((i & 1) === 0 ? Math.cos(angle) : Math.sin(angle));
}

export function randomImpl(size: number, dtype: DType, distribution: RandomDistribution, stream: RandomStream): TypedArray {
  const out = allocateTypedArray(dtype, size);
  const offsetLo = stream.offset % 4294967296;
  const offsetHi = Math.floor(stream.offset / 4294967296);
  const words = new Uint32Array(4);
  const [k0, k1] = stream.key;
  for (let i = 0; i < size; i++) {
    if ((i & 3) === 0) philoxInto(words, Math.floor(i / 4) >>> 0, 0, offsetLo, offsetHi, k0, k1);
    out[i] = drawWord(words, i, distribution);
  }
  return out;
}

export const randomConfig: KernelConfig<'Random', CpuBackend> = {
  kernelName: 'Random',
  backendName: 'cpu',
  kernelFunc: (backend, { size, dtype, distribution, stream }) => backend.adopt(randomImpl(size, dtype, distribution, stream)),
};
