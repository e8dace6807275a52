import type { Program } from '../program.js';
import { decodeIndex, FLOAT_HELPERS, groupReductions, storageBindings, uniformBlock, word } from './wgsl.js';

const GROUP = 64;

/**
 * Softmax or log-softmax along one dim: one 64-thread workgroup per row, with the row's max
 * subtracted first (so exp never overflows) and log-softmax computed as x - max - log(Σ exp),
 * never as the log of a softmax that may have underflowed. Uniform words: rows, row length,
 * input offset, input stride along the dim, output stride along the dim, then the other dims'
 * shape, input strides and output strides.
 */
export class SoftmaxProgram implements Program {
  readonly key: string;
  readonly inputs = 1;
  readonly outputs = 1;
  readonly uniformWords: number;

  constructor(
    private readonly log: boolean,
    private readonly outerRank: number,
  ) {
    this.key = `softmax|${log ? 'log' : 'plain'}|o${outerRank}`;
    this.uniformWords = 5 + 3 * outerRank;
  }

  code(): string {
    const r = this.outerRank;
    const inTerms = Array.from({ length: r }, (_, d) => ` + c${d} * ${word(5 + r + d)}`).join('');
    const outTerms = Array.from({ length: r }, (_, d) => ` + c${d} * ${word(5 + 2 * r + d)}`).join('');
    const write = this.log ? 'shifted - log(total)' : 'exp(shifted) / total';
    return `${storageBindings([['in0', 'f32']], [['out0', 'f32']])}${uniformBlock(2, this.uniformWords)}${FLOAT_HELPERS}
${groupReductions(GROUP)}
@compute @workgroup_size(${GROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x + wid.y * groups.x;
  if (row >= ${word(0)}) { return; }
  let run = ${word(1)};
${decodeIndex('row', r, 5)}  let in_base = ${word(2)}${inTerms};
  let out_base = 0u${outTerms};
  var peak = -inf();
  for (var j = lid.x; j < run; j = j + ${GROUP}u) { peak = k_max(peak, in0[in_base + j * ${word(3)}]); }
  let row_max = group_max(peak, lid.x);
  var sum = 0.0;
  for (var j = lid.x; j < run; j = j + ${GROUP}u) { sum = sum + exp(in0[in_base + j * ${word(3)}] - row_max); }
  let total = group_sum(sum, lid.x);
  for (var j = lid.x; j < run; j = j + ${GROUP}u) {
    let shifted = in0[in_base + j * ${word(3)}] - row_max;
    out0[out_base + j * ${word(4)}] = ${write};
  }
}
`;
  }
}

/** Uniform words of SoftmaxProgram for a view of `shape` along `dim`, written row-major. */
export function softmaxUniforms(program: Program, shape: readonly number[], strides: readonly number[], offset: number, dim: number): Uint32Array {
  const outer = shape.map((_, d) => d).filter((d) => d !== dim);
  const outStrides: number[] = [];
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    outStrides[d] = step;
    step *= shape[d] as number;
  }
  const words = new Uint32Array(program.uniformWords);
  words.set([outer.reduce((n, d) => n * (shape[d] as number), 1), shape[dim] as number, offset, strides[dim] as number, outStrides[dim] as number]);
  outer.forEach((d, k) => {
    words[5 + k] = shape[d] as number;
    words[5 + outer.length + k] = strides[d] as number;
    words[5 + 2 * outer.length + k] = outStrides[d] as number;
  });
  return words;
}
