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

/** The high and low 32 bits of the 64-bit product of two uint32 values. */
export function mulHiLo(a: number, b: number): [number, number] {
  const lo = Math.imul(a, b) >>> 0;
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lohi = aLo * bHi;
  const hilo = aHi * bLo;
  const cross = ((aLo * bLo) >>> 16) + (lohi & 0xffff) + (hilo & 0xffff);
  const hi = (aHi * bHi + (lohi >>> 16) + (hilo >>> 16) + Math.floor(cross / 65536)) >>> 0;
  return [hi, lo];
}

/** The four words of Philox4x32-10 for `counter` under `key`. */
export function philoxBlock(counter: readonly [number, number, number, number], key: readonly [number, number]): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    const [hi0, lo0] = mulHiLo(M0, c0);
    const [hi1, lo1] = mulHiLo(M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** The top 24 bits of `word` as a float in [0, 1): exact in float32, so every backend gets the same value. */
function unit(word: number): number {
  return (word >>> 8) / 16777216;
}

function drawWord(words: readonly number[], i: number, distribution: RandomDistribution): number {
  const word = words[i & 3] as number;
  if (distribution.kind === 'uniform') return unit(word);
  if (distribution.kind === 'integer') return distribution.low + mulHiLo(word, distribution.high - distribution.low)[0];
  const pair = i & 2;
  const radius = Math.sqrt(-2 * Math.log1p(-unit(words[pair] as number)));
  const angle = 2 * Math.PI * unit(words[pair + 1] as number);
  return radius * ((i & 1) === 0 ? Math.cos(angle) : Math.sin(angle));
}

export function randomImpl(size: number, dtype: DType, distribution: RandomDistribution, stream: RandomStream): TypedArray {
  const out = allocateTypedArray(dtype, size);
  const offsetLo = stream.offset % 4294967296;
  const offsetHi = Math.floor(stream.offset / 4294967296);
  let words: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < size; i++) {
    if ((i & 3) === 0) words = philoxBlock([Math.floor(i / 4) >>> 0, 0, offsetLo, offsetHi], stream.key);
    out[i] = drawWord(words, i, distribution);
  }
  return out;
}

export const randomConfig: KernelConfig<'Random', CpuBackend> = {
  kernelName: 'Random',
  backendName: 'cpu',
  kernelFunc: (backend, { size, dtype, distribution, stream }) => backend.adopt(randomImpl(size, dtype, distribution, stream)),
};
