import type { DType, RandomDistribution, RandomStream } from '@kindling/tensor';
import type { Program } from '../program.js';
import { PRIMITIVE_HELPERS } from './math-primitives.js';
import { elementMain, FLOAT_HELPERS, storageBindings, uniformBlock, word, wgslType } from './wgsl.js';

/*
 * The Random kernel in WGSL: each thread computes its element's Philox4x32-10 block (four words,
 * one of which it keeps) exactly as the cpu kernel does, with 32-bit integer arithmetic only, so
 * uniform and integer draws are bit for bit the cpu's; normal draws differ only by float32 rounding
 * of the logarithm and the sine.
 */
const PHILOX = `
fn mul_hi(a: u32, b: u32) -> u32 {
  let a_lo = a & 0xffffu;
  let a_hi = a >> 16u;
  let b_lo = b & 0xffffu;
  let b_hi = b >> 16u;
  let lohi = a_lo * b_hi;
  let hilo = a_hi * b_lo;
  let cross = ((a_lo * b_lo) >> 16u) + (lohi & 0xffffu) + (hilo & 0xffffu);
  return a_hi * b_hi + (lohi >> 16u) + (hilo >> 16u) + (cross >> 16u);
}
fn philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    let hi0 = mul_hi(0xd2511f53u, c.x);
    let lo0 = 0xd2511f53u * c.x;
    let hi1 = mul_hi(0xcd9e8d57u, c.z);
    let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}
fn unit(w: u32) -> f32 { return f32(w >> 8u) / 16777216.0; }
`;

/** The value each distribution computes from the block `words` for element `i`. */
const DRAW: Record<RandomDistribution['kind'], string> = {
  uniform: 'unit(words[i & 3u])',
  normal: `sqrt(-2.0 * k_log1p(-unit(words[i & 2u]))) * k_sine_quadrant(6.2831853 * unit(words[(i & 2u) + 1u]), i32(1u - (i & 1u)))`,
  integer: `i32(${word(5)}) + i32(mul_hi(words[i & 3u], ${word(6)}))`,
};

/** Uniform words: size, key (2), stream offset (low, high), low, high − low. */
export class RandomProgram implements Program {
  readonly key: string;
  readonly inputs = 0;
  readonly outputs = 1;
  readonly uniformWords = 7;

  constructor(
    private readonly kind: RandomDistribution['kind'],
    private readonly dtype: DType,
  ) {
    this.key = `random|${kind}|${dtype}`;
  }

  code(): string {
    const type = wgslType(this.dtype);
    return `${storageBindings([], [['out0', type]])}${uniformBlock(1, this.uniformWords)}${FLOAT_HELPERS}${PRIMITIVE_HELPERS}${PHILOX}
${elementMain(word(0))}  let block = philox(vec4<u32>(i / 4u, 0u, ${word(3)}, ${word(4)}), vec2<u32>(${word(1)}, ${word(2)}));
  var words = array<u32, 4>(block.x, block.y, block.z, block.w);
  out0[i] = ${type}(${DRAW[this.kind]});
}
`;
  }

  uniforms(size: number, distribution: RandomDistribution, stream: RandomStream): Uint32Array {
    const low = distribution.kind === 'integer' ? distribution.low : 0;
    const range = distribution.kind === 'integer' ? distribution.high - distribution.low : 0;
    return Uint32Array.of(size, stream.key[0], stream.key[1], stream.offset % 2 ** 32, Math.floor(stream.offset / 2 ** 32), low >>> 0, range >>> 0);
  }
}
