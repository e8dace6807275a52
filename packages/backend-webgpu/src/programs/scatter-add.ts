import type { DType, View } from '@kindling/tensor';
import type { Program } from '../program.js';
import { outOfRangeValue } from './gather.js';
import { decodeIndex, elementMain, FLOAT_HELPERS, storageBindings, uniformBlock, word, wgslType } from './wgsl.js';

/**
 * torch.scatter_add along `dim` without atomics (IndexAdd runs it with its 1-D index expanded by a
 * stride-0 view): each output element starts from `base` and scans the index entries of its own
 * line along `dim`, adding the `src` entries that point at it. The scan goes in index order, so
 * the sums match the cpu backend's bit for bit, and an out-of-range index in a line poisons that
 * line (NaN for floats) instead of being dropped silently. Bool sums are "or".
 *
 * Uniform words: size, output shape, base offset and strides, index shape, index offset and
 * strides, src offset and strides.
 */
export class ScatterAddProgram implements Program {
  readonly key: string;
  readonly inputs = 3;
  readonly outputs = 1;
  readonly uniformWords: number;

  constructor(
    private readonly dtype: DType,
    private readonly rank: number,
    private readonly dim: number,
  ) {
    this.key = `scatter-add|${dtype}|r${rank}|d${dim}`;
    this.uniformWords = 4 + 6 * rank;
  }

  code(): string {
    const r = this.rank;
    const d = this.dim;
    const baseWord = 1 + r;
    const indexShapeWord = 2 + 2 * r;
    const indexWord = 2 + 3 * r;
    const srcWord = 3 + 4 * r;
    const terms = (start: number): string =>
      Array.from({ length: r }, (_, e) => (e === d ? '' : ` + c${e} * ${word(start + 1 + e)}`)).join('');
    const baseTerms = Array.from({ length: r }, (_, e) => ` + c${e} * ${word(baseWord + 1 + e)}`).join('');
    const inside = Array.from({ length: r }, (_, e) => (e === d ? '' : ` && c${e} < ${word(indexShapeWord + e)}`)).join('');
    const t = wgslType(this.dtype);
    const add = this.dtype === 'bool' ? 'select(value, 1u, src[src_at] != 0u)' : 'value + src[src_at]';
    return `${storageBindings([['base', t], ['index', 'i32'], ['src', t]], [['out0', t]])}${uniformBlock(4, this.uniformWords)}${FLOAT_HELPERS}
${elementMain(word(0))}${decodeIndex('i', r, 1)}  var value = base[${word(baseWord)}${baseTerms}];
  var poisoned = false;
  if (true${inside}) {
    let line_index = ${word(indexWord)}${terms(indexWord)};
    let line_src = ${word(srcWord)}${terms(srcWord)};
    for (var j = 0u; j < ${word(indexShapeWord + d)}; j = j + 1u) {
      let at = index[line_index + j * ${word(indexWord + 1 + d)}];
      if (at < 0 || u32(at) >= ${word(1 + d)}) {
        poisoned = true;
      } else if (u32(at) == c${d}) {
        let src_at = line_src + j * ${word(srcWord + 1 + d)};
        value = ${add};
      }
    }
  }
  out0[i] = select(value, ${outOfRangeValue(this.dtype)}, poisoned);
}
`;
  }

  uniforms(base: View, index: View, src: View): Uint32Array {
    const r = this.rank;
    const words = new Uint32Array(this.uniformWords);
    words[0] = base.shape.reduce((a, b) => a * b, 1);
    words.set(base.shape, 1);
    words[1 + r] = base.offset;
    words.set(base.strides, 2 + r);
    words.set(index.shape, 2 + 2 * r);
    words[2 + 3 * r] = index.offset;
    words.set(index.strides, 3 + 3 * r);
    words[3 + 4 * r] = src.offset;
    words.set(src.strides, 4 + 4 * r);
    return words;
  }
}
