import type { DType, View } from '@kindling/tensor';
import type { Program } from '../program.js';
import { decodeIndex, elementMain, FLOAT_HELPERS, storageBindings, stridedOffset, uniformBlock, word, wgslType } from './wgsl.js';

/**
 * What an out-of-range index produces, since asynchronous backends cannot check indices before
 * the kernel runs: NaN for float32, the most negative int32 for int32, false for bool.
 */
export function outOfRangeValue(dtype: DType): string {
  if (dtype === 'float32') return 'nan()';
  if (dtype === 'int32') return 'bitcast<i32>(0x80000000u)';
  return '0u';
}

/**
 * torch.gather along `dim` (IndexSelect runs it with its 1-D index expanded along `dim` by a
 * stride-0 view): one thread per output element, which has the index's shape. Uniform words:
 * size, output shape, index offset and strides, x offset and strides, x's extent along `dim`.
 */
export class GatherProgram implements Program {
  readonly key: string;
  readonly inputs = 2;
  readonly outputs = 1;
  readonly uniformWords: number;

  constructor(
    private readonly dtype: DType,
    private readonly rank: number,
    private readonly dim: number,
  ) {
    this.key = `gather|${dtype}|r${rank}|d${dim}`;
    this.uniformWords = 4 + 3 * rank;
  }

  code(): string {
    const r = this.rank;
    const xOffset = 2 + 2 * r;
    const others = Array.from({ length: r }, (_, d) => (d === this.dim ? '' : ` + c${d} * ${word(xOffset + 1 + d)}`)).join('');
    return `${storageBindings([['x', wgslType(this.dtype)], ['index', 'i32']], [['out0', wgslType(this.dtype)]])}${uniformBlock(3, this.uniformWords)}${FLOAT_HELPERS}
${elementMain(word(0))}${decodeIndex('i', r, 1)}  let at = index[${stridedOffset(r, 1 + r)}];
  if (at < 0 || u32(at) >= ${word(3 + 3 * r)}) {
    out0[i] = ${outOfRangeValue(this.dtype)};
    return;
  }
  out0[i] = x[${word(xOffset)}${others} + u32(at) * ${word(xOffset + 1 + this.dim)}];
}
`;
  }

  uniforms(outShape: readonly number[], index: View, x: View): Uint32Array {
    const r = this.rank;
    const words = new Uint32Array(this.uniformWords);
    words[0] = outShape.reduce((a, b) => a * b, 1);
    words.set(outShape, 1);
    words[1 + r] = index.offset;
    words.set(index.strides, 2 + r);
    words[2 + 2 * r] = x.offset;
    words.set(x.strides, 3 + 2 * r);
    words[3 + 3 * r] = x.shape[this.dim] as number;
    return words;
  }
}
