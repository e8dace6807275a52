import type { ArgReduceOp, DType } from '@kindling/tensor';
import type { Program } from '../program.js';
import { decodeIndex, elementMain, FLOAT_HELPERS, storageBindings, uniformBlock, word, wgslType } from './wgsl.js';

/**
 * The int32 index of the first maximum or minimum along one dim: one thread per output element,
 * scanning in order so that ties keep the first index and the first NaN wins, as on the cpu.
 * Uniform words: output count, extent along the dim, offset, stride along the dim, then the
 * kept dims' shape and strides.
 */
export class ArgReduceProgram implements Program {
  readonly key: string;
  readonly inputs = 1;
  readonly outputs = 1;
  readonly uniformWords: number;

  constructor(
    private readonly op: ArgReduceOp,
    private readonly dtype: DType,
    private readonly keptRank: number,
  ) {
    this.key = `argreduce|${op}|${dtype}|k${keptRank}`;
    this.uniformWords = 4 + 2 * keptRank;
  }

  code(): string {
    const kr = this.keptRank;
    const terms = Array.from({ length: kr }, (_, d) => ` + c${d} * ${word(4 + kr + d)}`).join('');
    const isFloat = this.dtype === 'float32';
    const better = `value ${this.op === 'argmax' ? '>' : '<'} best`;
    return `${storageBindings([['in0', wgslType(this.dtype)]], [['out0', 'i32']])}${uniformBlock(2, this.uniformWords)}${FLOAT_HELPERS}
${elementMain(word(0))}${decodeIndex('i', kr, 4)}  let base = ${word(2)}${terms};
  var best = in0[base];
  var index = 0u;
  for (var j = 1u; j < ${word(1)}; j = j + 1u) {
    ${isFloat ? 'if (is_nan(best)) { break; }' : ''}
    let value = in0[base + j * ${word(3)}];
    if (${isFloat ? `is_nan(value) || ${better}` : better}) {
      best = value;
      index = j;
    }
  }
  out0[i] = i32(index);
}
`;
  }
}

/** Uniform words of ArgReduceProgram for a view reduced along `dim`. */
export function argReduceUniforms(program: Program, shape: readonly number[], strides: readonly number[], offset: number, dim: number): Uint32Array {
  const kept = shape.map((_, d) => d).filter((d) => d !== dim);
  const words = new Uint32Array(program.uniformWords);
  words.set([kept.reduce((n, d) => n * (shape[d] as number), 1), shape[dim] as number, offset, strides[dim] as number]);
  kept.forEach((d, k) => {
    words[4 + k] = shape[d] as number;
    words[4 + kept.length + k] = strides[d] as number;
  });
  return words;
}
