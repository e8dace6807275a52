import type { DType, ReduceOp } from '@kindling/tensor';
import type { Program } from '../program.js';
import type { FusedChain } from './fused-elementwise.js';
import { decodeIndex, FLOAT_HELPERS, storageBindings, uniformBlock, word, wgslType } from './wgsl.js';

const GROUP = 64;

interface Combiner {
  accType: string;
  identity: string;
  load: string;
  combine: string;
}

/** How each op folds two partial results; max and min propagate NaN, as the cpu backend does. */
function combiner(op: ReduceOp, dtype: DType): Combiner {
  const t = wgslType(dtype);
  if (op === 'sum' || op === 'mean') {
    // Summing bools counts them in int32, as reduceOutputDType says.
    const accType = dtype === 'bool' ? 'i32' : t;
    return { accType, identity: `${accType}(0)`, load: dtype === 'bool' ? 'i32(v)' : 'v', combine: 'x + y' };
  }
  const isMax = op === 'max';
  if (t === 'f32') {
    return { accType: t, identity: isMax ? '-inf()' : 'inf()', load: 'v', combine: `select(${isMax ? 'max' : 'min'}(x, y), nan(), is_nan(x) || is_nan(y))` };
  }
  const identity = t === 'i32' ? (isMax ? 'bitcast<i32>(0x80000000u)' : 'i32(2147483647)') : isMax ? '0u' : '1u';
  return { accType: t, identity, load: 'v', combine: `${isMax ? 'max' : 'min'}(x, y)` };
}

/**
 * Reduces `x` over some dims: one 64-thread workgroup per output element, each thread striding
 * through the reduced elements, then a tree in workgroup memory. An epilogue is an elementwise
 * chain (fused-elementwise.ts) run on each result as it is stored (a variance's `+ eps` and square
 * root), as a matmul's is; the result itself is written only where someone still holds it.
 * Uniform words: output count, reduced count, offset, the kept dims' shape and strides, the reduced
 * dims' shape and strides, then the epilogue's words.
 */
export class ReduceProgram implements Program {
  readonly key: string;
  readonly inputs: number;
  readonly outputs: number;
  readonly uniformWords: number;

  constructor(
    private readonly op: ReduceOp,
    private readonly dtype: DType,
    private readonly outDType: DType,
    private readonly keptRank: number,
    private readonly reducedRank: number,
    private readonly epilogue: FusedChain | null = null,
    private readonly writesResult = true,
  ) {
    this.key = `reduce|${op}|${dtype}|k${keptRank}|r${reducedRank}${epilogue ? `|${writesResult ? 'w' : ''}|${epilogue.key}` : ''}`;
    this.inputs = 1 + (epilogue?.inputs.length ?? 0);
    this.outputs = (writesResult ? 1 : 0) + (epilogue?.outputs.length ?? 0);
    this.uniformWords = this.ownWords + (epilogue?.words ?? 0);
  }

  private get ownWords(): number {
    return 3 + 2 * this.keptRank + 2 * this.reducedRank;
  }

  code(): string {
    const { accType, identity, load, combine } = combiner(this.op, this.dtype);
    const kr = this.keptRank;
    const rr = this.reducedRank;
    const keptTerms = Array.from({ length: kr }, (_, d) => ` + c${d} * ${word(3 + kr + d)}`).join('');
    const reducedTerms = Array.from({ length: rr }, (_, d) => ` + r${d} * ${word(3 + 2 * kr + rr + d)}`).join('');
    const finish = this.op === 'mean' ? `part[0] / f32(${word(1)})` : `${wgslType(this.outDType)}(part[0])`;
    const inputs: [string, string][] = [['in0', wgslType(this.dtype)], ...(this.epilogue?.inputs ?? [])];
    const outputs: [string, string][] = [...(this.writesResult ? [['out0', wgslType(this.outDType)] as [string, string]] : []), ...(this.epilogue?.outputs ?? [])];
    const store = `${this.writesResult ? '    out0[o] = v;\n' : ''}${this.epilogue ? '    chain_at(o, v);\n' : ''}`;
    // The chain's snippets bring the float helpers themselves.
    const helpers = this.epilogue?.code(this.ownWords) ?? FLOAT_HELPERS;
    return `${storageBindings(inputs, outputs)}${uniformBlock(inputs.length + outputs.length, this.uniformWords)}${helpers}
fn fold(x: ${accType}, y: ${accType}) -> ${accType} { return ${combine}; }
var<workgroup> part: array<${accType}, ${GROUP}>;

@compute @workgroup_size(${GROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = wid.x + wid.y * groups.x;
  if (o >= ${word(0)}) { return; }
${decodeIndex('o', kr, 3)}  let base = ${word(2)}${keptTerms};
  var acc = ${identity};
  for (var j = lid.x; j < ${word(1)}; j = j + ${GROUP}u) {
${decodeIndex('j', rr, 3 + 2 * kr, 'r')}    let v = in0[base${reducedTerms}];
    acc = fold(acc, ${load});
  }
  part[lid.x] = acc;
  workgroupBarrier();
  for (var s = ${GROUP / 2}u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { part[lid.x] = fold(part[lid.x], part[lid.x + s]); }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let v = ${finish};
${store}  }
}
`;
  }
}

/** Uniform words of ReduceProgram for `shape`/`strides`/`offset` reduced over the sorted `dims`, then its epilogue's. */
export function reduceUniforms(program: Program, shape: readonly number[], strides: readonly number[], offset: number, dims: readonly number[], epilogueWords: readonly number[] = []): Uint32Array {
  const kept = shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const words = new Uint32Array(program.uniformWords);
  words[0] = kept.reduce((n, d) => n * (shape[d] as number), 1);
  words[1] = dims.reduce((n, d) => n * (shape[d] as number), 1);
  words[2] = offset;
  let w = 3;
  for (const list of [kept, dims]) {
    for (const d of list) words[w++] = shape[d] as number;
    for (const d of list) words[w++] = strides[d] as number;
  }
  words.set(epilogueWords, w);
  return words;
}
