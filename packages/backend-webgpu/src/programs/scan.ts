import type { DType, View } from '@kindling/tensor';
import type { Program } from '../program.js';
import { decodeIndex, elementMain, elementWords, FLOAT_HELPERS, storageBindings, stridedOffset, uniformBlock, word, wgslType } from './wgsl.js';

/**
 * tril / triu: thread i writes output element i (row-major), x's element through its strides where
 * the column minus the row is on the kept side of the diagonal, 0 elsewhere. Uniform words: size,
 * shape, x offset and strides, diagonal (as i32 bits).
 */
export class TriangleProgram implements Program {
  readonly key: string;
  readonly inputs = 1;
  readonly outputs = 1;
  readonly uniformWords: number;

  constructor(
    private readonly dtype: DType,
    private readonly rank: number,
    private readonly upper: boolean,
  ) {
    this.key = `triangle|${dtype}|r${rank}|${upper ? 'upper' : 'lower'}`;
    this.uniformWords = 3 + 2 * rank;
  }

  code(): string {
    const r = this.rank;
    const type = wgslType(this.dtype);
    const offset = i32CoordinateDifference(r);
    const kept = this.upper ? `${offset} >= diagonal` : `${offset} <= diagonal`;
    return `${storageBindings([['x', type]], [['out0', type]])}${uniformBlock(2, this.uniformWords)}
${elementMain(word(0))}${decodeIndex('i', r, 1)}  let diagonal = bitcast<i32>(${word(2 + 2 * r)});
  out0[i] = select(${type}(0), x[${stridedOffset(r, 1 + r)}], ${kept});
}
`;
  }

  uniforms(x: View, diagonal: number): Uint32Array {
    return elementWords(x.shape, [x], [diagonal]);
  }
}

/** The column minus the row of the decoded coordinates, as i32. */
function i32CoordinateDifference(rank: number): string {
  return `(i32(c${rank - 1}) - i32(c${rank - 2}))`;
}

/**
 * cumsum along one dim: thread `line` walks one line of it, through x's strides, and writes the
 * running sums into the contiguous output (from the end backwards when reversed). Uniform words:
 * lines, extent, inner size, x's stride along the dim, x offset, the other dims' shape and strides.
 */
export class CumsumProgram implements Program {
  readonly key: string;
  readonly inputs = 1;
  readonly outputs = 1;
  readonly uniformWords: number;

  constructor(
    private readonly dtype: DType,
    private readonly rank: number,
    private readonly reverse: boolean,
  ) {
    this.key = `cumsum|${dtype}|r${rank}|${reverse ? 'reverse' : 'forward'}`;
    this.uniformWords = 5 + 2 * (rank - 1);
  }

  code(): string {
    const others = this.rank - 1;
    const type = wgslType(this.dtype);
    const position = this.reverse ? `(${word(1)} - 1u - step)` : 'step';
    return `${storageBindings([['x', type]], [['out0', type]])}${uniformBlock(2, this.uniformWords)}
${elementMain(word(0))}  let line = i;
${decodeIndex('line', others, 4)}  let base = ${stridedOffset(others, 4 + others)};
  let inner = ${word(2)};
  let first = (line / inner) * ${word(1)} * inner + line % inner;
  var total = ${type}(0);
  for (var step = 0u; step < ${word(1)}; step++) {
    let at = ${position};
    total = total + x[base + at * ${word(3)}];
    out0[first + at * inner] = total;
  }
}
`;
  }

  uniforms(x: View, dim: number): Uint32Array {
    const others = this.rank - 1;
    const words = new Uint32Array(this.uniformWords);
    const shape = x.shape.filter((_, d) => d !== dim);
    const strides = x.strides.filter((_, d) => d !== dim);
    words[0] = shape.reduce((a, b) => a * b, 1);
    words[1] = x.shape[dim] as number;
    words[2] = x.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    words[3] = x.strides[dim] as number;
    words.set(shape, 4);
    words[4 + others] = x.offset;
    words.set(strides, 5 + others);
    return words;
  }
}

/**
 * argsort along one dim by ranks: thread i counts the elements of its line that sort before its
 * own (stably: on a tie, the earlier position first; NaN after every number, or before in
 * descending order) and writes its position at that rank. A line of n costs n² comparisons, which
 * is fine for the lines this is used on (a vocabulary's logits, a row of scores). Uniform words:
 * size, shape, x offset and strides, inner size.
 */
export class ArgsortProgram implements Program {
  readonly key: string;
  readonly inputs = 1;
  readonly outputs = 1;
  readonly uniformWords: number;

  constructor(
    private readonly dtype: DType,
    private readonly rank: number,
    private readonly dim: number,
    private readonly descending: boolean,
  ) {
    this.key = `argsort|${dtype}|r${rank}|d${dim}|${descending ? 'descending' : 'ascending'}`;
    this.uniformWords = 3 + 2 * rank;
  }

  code(): string {
    const r = this.rank;
    const type = wgslType(this.dtype);
    const stride = word(2 + r + this.dim);
    const float = this.dtype === 'float32';
    const order = this.descending ? 'a > b' : 'a < b';
    const nanFirst = this.descending ? 'true' : 'false';
    const before = float
      ? `fn before(a: f32, ia: u32, b: f32, ib: u32) -> bool {
  let a_nan = is_nan(a);
  let b_nan = is_nan(b);
  if (a_nan || b_nan) {
    if (a_nan && b_nan) { return ia < ib; }
    return select(!${nanFirst}, ${nanFirst}, a_nan);
  }
  return ${order} || (a == b && ia < ib);
}`
      : `fn before(a: ${type}, ia: u32, b: ${type}, ib: u32) -> bool { return ${order} || (a == b && ia < ib); }`;
    return `${storageBindings([['x', type]], [['out0', 'i32']])}${uniformBlock(2, this.uniformWords)}${float ? FLOAT_HELPERS : ''}
${before}
${elementMain(word(0))}${decodeIndex('i', r, 1)}  let j = c${this.dim};
  let base = ${stridedOffset(r, 1 + r)} - j * ${stride};
  let mine = x[base + j * ${stride}];
  var rank = 0u;
  for (var k = 0u; k < ${word(1 + this.dim)}; k++) {
    if (k != j && before(x[base + k * ${stride}], k, mine, j)) { rank++; }
  }
  let inner = ${word(2 + 2 * r)};
  out0[i + rank * inner - j * inner] = i32(j);
}
`;
  }

  uniforms(x: View): Uint32Array {
    return elementWords(x.shape, [x], [x.shape.slice(this.dim + 1).reduce((a, b) => a * b, 1)]);
  }
}
