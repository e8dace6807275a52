import type { DType } from '@kindling/tensor';
import type { Program } from '../program.js';
import type { ElementwiseProgram } from './elementwise.js';
import { decodeIndex, elementMain, FLOAT_HELPERS, storageBindings, stridedOffset, uniformBlock, word, wgslType } from './wgsl.js';

/*
 * A chain of elementwise ops over one output shape as WGSL: each op's body (the expression its own
 * program would run) becomes a function, and `chain_at(i, p)` computes them in order for element
 * `i`, values passing in registers. Operands read from memory go through their strides as in the
 * single-op programs; scalars filled for the chain are uniform words, not buffers; `p` is the
 * element of a matmul's product when the chain is that matmul's epilogue (see matmul.ts).
 */

/** Where an op's operand comes from: a view read from memory, an earlier op's value, a scalar fill, or the matmul's product. */
export type FusedOperand =
  | { readonly kind: 'read'; readonly index: number }
  | { readonly kind: 'op'; readonly index: number }
  | { readonly kind: 'scalar'; readonly index: number }
  | { readonly kind: 'product' };

/** One op of the chain, and whether its value is written to its own output buffer. */
export interface FusedOp {
  readonly program: ElementwiseProgram;
  readonly operands: readonly FusedOperand[];
  readonly written: boolean;
}

/** A scalar fill: its dtype, and whether its one-element buffer is written too (someone still holds it). */
export interface FusedScalar {
  readonly dtype: DType;
  readonly written: boolean;
}

/** A view read from memory: which of the chain's input buffers holds it, its dtype, and whether it is row-major. */
export interface FusedRead {
  readonly buffer: number;
  readonly dtype: DType;
  readonly contiguous: boolean;
}

const functionNames = new Map<string, readonly string[]>();

/** The names of the functions a helper snippet defines (the snippets are a few constants: each is read once). */
export function definedFunctions(helpers: string): readonly string[] {
  let names = functionNames.get(helpers);
  if (!names) {
    names = [...helpers.matchAll(/\bfn\s+(\w+)\s*\(/g)].map((match) => match[1] as string);
    functionNames.set(helpers, names);
  }
  return names;
}

function operandName(operand: FusedOperand): string {
  return operand.kind === 'product' ? 'p' : `${operand.kind[0]}${operand.index}`;
}

/**
 * The WGSL of one chain, its uniform words from `wordBase` on (the output shape when some read is
 * strided, each read's offset and strides, each scalar's bits), its input buffers `x0 ..` and its
 * output buffers `y0 ..` (written scalars first, then written ops).
 */
export class FusedChain {
  readonly key: string;
  /** The rank `chain_at` decodes; 0 when every read is row-major. */
  readonly rank: number;
  readonly words: number;
  readonly inputs: readonly [string, string][];
  readonly outputs: readonly [string, string][];

  constructor(
    private readonly ops: readonly FusedOp[],
    private readonly reads: readonly FusedRead[],
    private readonly scalars: readonly FusedScalar[],
    inputBuffers: number,
    rank: number,
    private readonly productType: DType,
  ) {
    this.rank = reads.every((read) => read.contiguous) ? 0 : rank;
    this.words = this.rank + reads.length * (1 + this.rank) + scalars.length;
    this.inputs = Array.from({ length: inputBuffers }, (_, b): [string, string] => [`x${b}`, wgslType(reads.find((read) => read.buffer === b)?.dtype ?? 'float32')]);
    const outputs: [string, string][] = scalars.filter((scalar) => scalar.written).map(() => ['', 'u32']);
    for (const op of ops) if (op.written) outputs.push(['', wgslType(op.program.outDType)]);
    this.outputs = outputs.map(([, type], k) => [`y${k}`, type]);
    const readKeys = reads.map((read) => `${read.buffer}${read.dtype}${read.contiguous ? 'c' : 's'}`).join(',');
    const scalarKeys = scalars.map((scalar) => `${scalar.dtype}${scalar.written ? 'w' : ''}`).join(',');
    const opKeys = ops
      .map((op) => `${op.program.family}:${op.program.operands.map((o) => o.dtype).join(',')}(${op.operands.map(operandName).join(',')})${op.program.outDType}${op.written ? 'w' : ''}`)
      .join(';');
    this.key = `r${this.rank}|${inputBuffers}|${readKeys}|${scalarKeys}|${opKeys}`;
  }

  /** The helpers, one function per op, and `chain_at`, reading uniform words from `wordBase`. */
  code(wordBase: number): string {
    const rank = this.rank;
    const readWord = (k: number): number => wordBase + rank + k * (1 + rank);
    const scalarWord = (k: number): number => readWord(this.reads.length) + k;
    const helpers = new Set<string>([FLOAT_HELPERS]);
    const functions = this.ops.map((op, j) => {
      if (op.program.body.helpers) helpers.add(op.program.body.helpers);
      const parameters = op.program.operands.map((operand, k) => `v${k}: ${wgslType(operand.dtype)}`).join(', ');
      return `fn op${j}(${parameters}) -> ${wgslType(op.program.outDType)} { return ${op.program.body.expression}; }\n`;
    });
    const lines: string[] = [rank > 0 ? decodeIndex('i', rank, wordBase) : ''];
    this.reads.forEach((read, k) => {
      const index = read.contiguous ? `${word(readWord(k))} + i` : stridedOffset(rank, readWord(k));
      lines.push(`  let r${k} = x${read.buffer}[${index}];\n`);
    });
    let output = 0;
    const writes: string[] = [];
    this.scalars.forEach((scalar, k) => {
      const bits = word(scalarWord(k));
      lines.push(`  let s${k} = ${scalar.dtype === 'bool' ? bits : `bitcast<${wgslType(scalar.dtype)}>(${bits})`};\n`);
      if (scalar.written) writes.push(`  if (i == 0u) { y${output++}[0] = ${bits}; }\n`);
    });
    this.ops.forEach((op, j) => {
      lines.push(`  let o${j} = op${j}(${op.operands.map(operandName).join(', ')});\n`);
      if (op.written) writes.push(`  y${output++}[i] = o${j};\n`);
    });
    return `${[...helpers].join('')}${functions.join('')}fn chain_at(i: u32, p: ${wgslType(this.productType)}) {\n${lines.join('')}${writes.join('')}}\n`;
  }
}

/** A chain on its own: one thread per element. Uniform words: the element count, then the chain's. */
export class FusedElementwiseProgram implements Program {
  readonly key: string;
  readonly inputs: number;
  readonly outputs: number;
  readonly uniformWords: number;

  constructor(private readonly chain: FusedChain) {
    this.key = `fused|${chain.key}`;
    this.inputs = chain.inputs.length;
    this.outputs = chain.outputs.length;
    this.uniformWords = 1 + chain.words;
  }

  code(): string {
    return [
      storageBindings(this.chain.inputs, this.chain.outputs),
      uniformBlock(this.inputs + this.outputs, this.uniformWords),
      this.chain.code(1),
      elementMain(word(0)),
      '  chain_at(i, 0.0);\n}\n',
    ].join('');
  }
}
