import type { DType } from '@kindling/tensor';
import type { Program } from '../program.js';
import type { ElementwiseProgram } from './elementwise.js';
import { decodeIndex, elementMain, FLOAT_HELPERS, storageBindings, stridedOffset, uniformBlock, word, wgslType } from './wgsl.js';

/*
 * A chain of elementwise ops over one output shape as one program: each op's body (the WGSL
 * expression its own program would run) becomes a function, and one thread per element computes
 * them in order, values passing in registers. Operands read from memory go through their strides
 * as in the single-op programs; scalars filled for the chain are uniform words, not buffers.
 */

/** Where an op's operand comes from: a view read from memory, an earlier op's value, or a scalar fill. */
export type FusedOperand = { readonly kind: 'read'; readonly index: number } | { readonly kind: 'op'; readonly index: number } | { readonly kind: 'scalar'; readonly index: number };

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

/** A view read from memory: which input binding holds it, its dtype, and whether it is row-major. */
export interface FusedRead {
  readonly binding: number;
  readonly dtype: DType;
  readonly contiguous: boolean;
}

/** The names of the functions a helper snippet defines. */
export function definedFunctions(helpers: string): string[] {
  return [...helpers.matchAll(/\bfn\s+(\w+)\s*\(/g)].map((match) => match[1] as string);
}

function operandName(operand: FusedOperand): string {
  return `${operand.kind[0]}${operand.index}`;
}

/**
 * Uniform words: the element count, the output shape (when some read is strided), each read's
 * offset and strides, then each scalar's 32-bit pattern.
 */
export class FusedElementwiseProgram implements Program {
  readonly key: string;
  readonly inputs: number;
  readonly outputs: number;
  readonly uniformWords: number;
  private readonly rank: number;

  constructor(
    private readonly ops: readonly FusedOp[],
    private readonly reads: readonly FusedRead[],
    private readonly scalars: readonly FusedScalar[],
    inputBuffers: number,
    rank: number,
  ) {
    this.rank = reads.every((read) => read.contiguous) ? 0 : rank;
    this.inputs = inputBuffers;
    this.outputs = ops.filter((op) => op.written).length + scalars.filter((scalar) => scalar.written).length;
    this.uniformWords = 1 + this.rank + reads.length * (1 + this.rank) + scalars.length;
    const readKeys = reads.map((read) => `${read.binding}${read.dtype}${read.contiguous ? 'c' : 's'}`).join(',');
    const scalarKeys = scalars.map((scalar) => `${scalar.dtype}${scalar.written ? 'w' : ''}`).join(',');
    const opKeys = ops
      .map((op) => `${op.program.family}:${op.program.operands.map((o) => o.dtype).join(',')}(${op.operands.map(operandName).join(',')})${op.program.outDType}${op.written ? 'w' : ''}`)
      .join(';');
    this.key = `fused|r${this.rank}|${inputBuffers}|${readKeys}|${scalarKeys}|${opKeys}`;
  }

  code(): string {
    const rank = this.rank;
    const readWord = (k: number): number => 1 + rank + k * (1 + rank);
    const scalarWord = (k: number): number => readWord(this.reads.length) + k;
    const inputs = Array.from({ length: this.inputs }, (_, b): [string, string] => [`in${b}`, wgslType(this.reads.find((read) => read.binding === b)?.dtype ?? 'float32')]);
    const outputs: [string, string][] = [];
    const writes: string[] = [];
    const helpers = new Set<string>([FLOAT_HELPERS]);
    const functions = this.ops.map((op, j) => {
      if (op.program.body.helpers) helpers.add(op.program.body.helpers);
      const parameters = op.program.operands.map((operand, k) => `v${k}: ${wgslType(operand.dtype)}`).join(', ');
      return `fn op${j}(${parameters}) -> ${wgslType(op.program.outDType)} { return ${op.program.body.expression}; }\n`;
    });
    const reads = this.reads.map((read, k) => {
      const index = read.contiguous ? `${word(readWord(k))} + i` : stridedOffset(rank, readWord(k));
      return `  let r${k} = in${read.binding}[${index}];\n`;
    });
    const scalars = this.scalars.map((scalar, k) => {
      const bits = word(scalarWord(k));
      if (scalar.written) {
        outputs.push([`out${outputs.length}`, 'u32']);
        writes.push(`  if (i == 0u) { out${outputs.length - 1}[0] = ${bits}; }\n`);
      }
      return `  let s${k} = ${scalar.dtype === 'bool' ? bits : `bitcast<${wgslType(scalar.dtype)}>(${bits})`};\n`;
    });
    const values = this.ops.map((op, j) => {
      if (op.written) {
        outputs.push([`out${outputs.length}`, wgslType(op.program.outDType)]);
        writes.push(`  out${outputs.length - 1}[i] = o${j};\n`);
      }
      return `  let o${j} = op${j}(${op.operands.map(operandName).join(', ')});\n`;
    });
    return [
      storageBindings(inputs, outputs),
      uniformBlock(this.inputs + this.outputs, this.uniformWords),
      [...helpers].join(''),
      functions.join(''),
      elementMain(word(0)),
      rank > 0 ? decodeIndex('i', rank, 1) : '',
      reads.join(''),
      scalars.join(''),
      values.join(''),
      writes.join(''),
      '}\n',
    ].join('');
  }
}
