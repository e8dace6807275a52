import type { View } from '@kindling/tensor';
import type { Program } from '../program.js';
import { decodeIndex, elementMain, storageBindings, stridedOffset, uniformBlock, word } from './wgsl.js';

/**
 * Copies a strided view into a strided window of an existing output: Concat runs it once per
 * input whose block of the result a copy command cannot fill. Words move as raw bits, so every
 * dtype shares it.
 * Uniform words: size, shape, source offset and strides, destination offset and strides.
 */
export class PlaceProgram implements Program {
  readonly key: string;
  readonly inputs = 1;
  readonly outputs = 1;
  readonly uniformWords: number;

  constructor(private readonly rank: number) {
    this.key = `place|r${rank}`;
    this.uniformWords = 3 + 3 * rank;
  }

  code(): string {
    const r = this.rank;
    return [
      storageBindings([['in0', 'u32']], [['out0', 'u32']]),
      uniformBlock(2, this.uniformWords),
      elementMain(word(0)),
      decodeIndex('i', r, 1),
      `  out0[${stridedOffset(r, 2 + 2 * r)}] = in0[${stridedOffset(r, 1 + r)}];\n}\n`,
    ].join('');
  }

  uniforms(src: View, dstOffset: number, dstStrides: readonly number[]): Uint32Array {
    const r = this.rank;
    const words = new Uint32Array(this.uniformWords);
    words[0] = src.shape.reduce((a, b) => a * b, 1);
    src.shape.forEach((extent, d) => (words[1 + d] = extent));
    words[1 + r] = src.offset;
    src.strides.forEach((stride, d) => (words[2 + r + d] = stride));
    words[2 + 2 * r] = dstOffset;
    dstStrides.forEach((stride, d) => (words[3 + 2 * r + d] = stride));
    return words;
  }
}
