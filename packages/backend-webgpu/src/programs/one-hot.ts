import type { View } from '@kindling/tensor';
import type { Program } from '../program.js';
import { decodeIndex, elementMain, storageBindings, stridedOffset, uniformBlock, word } from './wgsl.js';

/**
 * int32 one-hot rows: thread i writes class i % C of row i / C. A row whose index is out of range
 * is filled with the most negative int32 instead of zeros, so the mistake shows in any loss built
 * on it. Uniform words: size, classes, indices shape, indices offset and strides.
 */
export class OneHotProgram implements Program {
  readonly key: string;
  readonly inputs = 1;
  readonly outputs = 1;
  readonly uniformWords: number;

  constructor(private readonly rank: number) {
    this.key = `one-hot|r${rank}`;
    this.uniformWords = 3 + 2 * rank;
  }

  code(): string {
    const r = this.rank;
    return `${storageBindings([['indices', 'i32']], [['out0', 'i32']])}${uniformBlock(2, this.uniformWords)}
${elementMain(word(0))}  let classes = ${word(1)};
  let row = i / classes;
  let class_index = i32(i % classes);
${decodeIndex('row', r, 2)}  let at = indices[${stridedOffset(r, 2 + r)}];
  if (at < 0 || at >= i32(classes)) {
    out0[i] = bitcast<i32>(0x80000000u);
    return;
  }
  out0[i] = select(0, 1, at == class_index);
}
`;
  }

  uniforms(indices: View, classes: number): Uint32Array {
    const r = this.rank;
    const words = new Uint32Array(this.uniformWords);
    words[0] = indices.shape.reduce((a, b) => a * b, 1) * classes;
    words[1] = classes;
    words.set(indices.shape, 2);
    words[2 + r] = indices.offset;
    words.set(indices.strides, 3 + r);
    return words;
  }
}
