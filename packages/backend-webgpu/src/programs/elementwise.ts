import type { DType, View } from '@kindling/tensor';
import type { Program } from '../program.js';
import { decodeIndex, elementMain, FLOAT_HELPERS, storageBindings, stridedOffset, uniformBlock, word, wgslType } from './wgsl.js';

/** One operand of an elementwise program: its dtype and whether it can be read at `offset + i`. */
export interface ElementwiseOperand {
  readonly dtype: DType;
  readonly contiguous: boolean;
}

/** What an op family contributes: the output element as a WGSL expression of `v0, v1, ...`, and helper functions. */
export interface ElementwiseBody {
  readonly expression: string;
  readonly helpers?: string;
}

/** Whether a view reads its elements in row-major order (an offset is fine; unit dims may have any stride). */
export function isRowMajor(view: Pick<View, 'shape' | 'strides'>): boolean {
  let expected = 1;
  for (let d = view.shape.length - 1; d >= 0; d--) {
    const extent = view.shape[d] as number;
    if (extent !== 1 && view.strides[d] !== expected) return false;
    expected *= extent;
  }
  return true;
}

/**
 * The shared shape of Unary, Binary, Compare, Where, Cast and the strided copy: one thread per
 * output element, each operand read through its strides (stride 0 broadcasts) unless it is
 * row-major, in which case the index decode is skipped. Uniform words: the element count, the
 * output shape, then each operand's offset and strides.
 */
export class ElementwiseProgram implements Program {
  readonly key: string;
  readonly inputs: number;
  readonly outputs = 1;
  readonly uniformWords: number;
  /** The rank the shader decodes; 0 when every operand is row-major. */
  readonly rank: number;

  constructor(
    readonly family: string,
    readonly operands: readonly ElementwiseOperand[],
    readonly outDType: DType,
    rank: number,
    readonly body: ElementwiseBody,
  ) {
    this.rank = operands.every((o) => o.contiguous) ? 0 : rank;
    this.inputs = operands.length;
    this.uniformWords = 1 + this.rank + operands.length * (1 + this.rank);
    const layout = operands.map((o) => `${o.dtype}${o.contiguous ? 'c' : 's'}`).join(',');
    this.key = `${family}|r${this.rank}|${layout}|${outDType}`;
  }

  code(): string {
    const rank = this.rank;
    const inputs = this.operands.map((o, k): [string, string] => [`in${k}`, wgslType(o.dtype)]);
    const reads = this.operands.map((o, k) => {
      const offsetWord = 1 + rank + k * (1 + rank);
      const index = o.contiguous ? `${word(offsetWord)} + i` : stridedOffset(rank, offsetWord);
      return `  let v${k} = in${k}[${index}];`;
    });
    return [
      storageBindings(inputs, [['out0', wgslType(this.outDType)]]),
      uniformBlock(this.inputs + 1, this.uniformWords),
      FLOAT_HELPERS,
      this.body.helpers ?? '',
      elementMain(word(0)),
      this.operands.some((o) => !o.contiguous) ? decodeIndex('i', rank, 1) : '',
      reads.join('\n'),
      `\n  out0[i] = ${this.body.expression};\n}\n`,
    ].join('');
  }

  /** The uniform words for an output of `size` elements and shape `shape`, read from `views`. */
  uniforms(size: number, shape: readonly number[], views: readonly Pick<View, 'strides' | 'offset'>[]): Uint32Array {
    const words = new Uint32Array(this.uniformWords);
    words[0] = size;
    const rank = this.rank;
    for (let d = 0; d < rank; d++) words[1 + d] = shape[d] as number;
    views.forEach((view, k) => {
      const base = 1 + rank + k * (1 + rank);
      words[base] = view.offset;
      for (let d = 0; d < rank; d++) words[base + 1 + d] = view.strides[d] as number;
    });
    return words;
  }
}

/** The element expression that turns a value of dtype `from` (held in `v`) into dtype `to`, as cpu's castImpl does. */
export function convert(v: string, from: DType, to: DType): string {
  if (from === to) return v;
  if (to === 'bool') return from === 'float32' ? `select(0u, 1u, ${v} != 0.0 || is_nan(${v}))` : `select(0u, 1u, ${v} != ${wgslType(from)}(0))`;
  if (to === 'float32') return `f32(${v})`;
  // f32 to i32 truncates toward zero; NaN becomes 0, as it does when JS stores NaN into an Int32Array.
  if (from === 'float32') return `select(i32(${v}), 0, is_nan(${v}))`;
  return `i32(${v})`;
}
