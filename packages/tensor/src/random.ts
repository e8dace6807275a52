import type { RandomStream } from './kernel-names.js';

/**
 * A seeded source of random numbers, the same on every backend. Tensors (`rand`, `randn`,
 * `randint`, dropout's masks) are drawn on the device by the `Random` kernel, from Philox4x32-10
 * streams: the seed is the key and each call takes the next stream offset, so nothing is uploaded
 * and every backend computes the same bits. Draws on the host (`randperm`, a DataLoader's
 * shuffles, `nextUint32`) come from xoshiro128** (Blackman and Vigna), its 128-bit state filled by
 * splitmix32 from the seed: uniform float32 values use the top 24 bits of one draw, float64 values
 * 53 bits of two, and normal values the Box-Muller transform on two uniform draws.
 */
export class Generator {
  private state = new Uint32Array(4);
  private spareNormal: number | undefined;
  private key: [number, number] = [0, 0];
  private streamOffset = 0;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  manualSeed(seed: number): this {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`manualSeed: the seed must be a safe integer, got ${seed}`);
    let mix = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
    for (let i = 0; i < 4; i++) {
      mix = (mix + 0x9e3779b9) | 0;
      let z = mix;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.state[i] = (z ^ (z >>> 16)) >>> 0;
    }
    this.spareNormal = undefined;
    this.key = [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
    this.streamOffset = 0;
    return this;
  }

  /** The Philox stream of the next device draw: this generator's key and a fresh offset. */
  nextStream(): RandomStream {
    return { key: this.key, offset: this.streamOffset++ };
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s = this.state;
    const s0 = s[0] as number;
    const s1 = s[1] as number;
    const s2 = s[2] as number;
    const s3 = s[3] as number;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    s[1] = s1 ^ n2;
    s[0] = s0 ^ n3;
    s[2] = n2 ^ t;
    s[3] = rotl(n3, 11);
    return result;
  }

  /** Uniform in [0, 1) with float32 resolution. */
  uniform24(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** Uniform in [0, 1) with float64 resolution. */
  uniform53(): number {
    return ((this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6)) / 9007199254740992;
  }

  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    const u1 = 1 - this.uniform53();
    const u2 = this.uniform53();
    const radius = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  }

  /** An integer in [low, high). */
  integer(low: number, high: number): number {
    return low + Math.floor(this.uniform53() * (high - low));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The generator behind `rand`, `randn`, `randint`, `randperm` and nn's initialisers. */
export const defaultGenerator = new Generator(0);

/** Seeds the default generator, as `torch.manual_seed`. */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}
