import type { DType } from '@kindling/tensor';
import type { Program } from '../program.js';
import { elementMain, storageBindings, uniformBlock, word } from './wgsl.js';

/** The 32-bit pattern that stores `value` as `dtype`, converted the way the cpu backend's fill converts. */
export function fillBits(value: number, dtype: DType): number {
  if (dtype === 'bool') return value !== 0 ? 1 : 0;
  const words = new Uint32Array(1);
  if (dtype === 'int32') new Int32Array(words.buffer)[0] = value;
  else new Float32Array(words.buffer)[0] = value;
  return words[0] as number;
}

/** Writes one bit pattern everywhere: every dtype shares this program. Uniform words: size, bits. */
export class FillProgram implements Program {
  readonly key = 'fill';
  readonly inputs = 0;
  readonly outputs = 1;
  readonly uniformWords = 2;

  code(): string {
    return `${storageBindings([], [['out0', 'u32']])}${uniformBlock(1, 2)}${elementMain(word(0))}  out0[i] = ${word(1)};\n}\n`;
  }
}
