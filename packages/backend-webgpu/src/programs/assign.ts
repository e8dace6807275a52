import type { DType, View } from '@kindling/tensor';
import type { Program } from '../program.js';
import { decodeIndex, elementMain, elementWords, storageBindings, stridedOffset, uniformBlock, word, wgslType } from './wgsl.js';

/**
 * An in-place write (copy_, fill_, zero_): thread i copies the source's element i (through its
 * strides, so a broadcast scalar fills) to the target's element i (through the target's strides,
 * so a slice of a larger tensor is written in place). Uniform words: size, shape, target offset and
 * strides, source offset and strides.
 */
export class AssignProgram implements Program {
  readonly key: string;
  readonly inputs = 1;
  readonly outputs = 1;
  readonly uniformWords: number;

  constructor(
    private readonly dtype: DType,
    private readonly rank: number,
  ) {
    this.key = `assign|${dtype}|r${rank}`;
    this.uniformWords = 3 + 3 * rank;
  }

  code(): string {
    const r = this.rank;
    return `${storageBindings([['source', wgslType(this.dtype)]], [['written', wgslType(this.dtype)]])}${uniformBlock(2, this.uniformWords)}
${elementMain(word(0))}${decodeIndex('i', r, 1)}  written[${stridedOffset(r, 1 + r)}] = source[${stridedOffset(r, 2 + 2 * r)}];
}
`;
  }

  uniforms(target: View, source: View): Uint32Array {
    return elementWords(target.shape, [target, source]);
  }
}
