import type { CompareOp, DType, View } from '@kindling/tensor';
import { ElementwiseProgram, isRowMajor } from './elementwise.js';

const SYMBOLS: Record<CompareOp, string> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

/** A comparison written to bool (u32 0/1). Any comparison with NaN is false, except `ne`, which is true. */
export function compareProgram(op: CompareOp, a: View, b: View, dtype: DType): ElementwiseProgram {
  const operands = [a, b].map((v) => ({ dtype, contiguous: isRowMajor(v) }));
  const compared = `v0 ${SYMBOLS[op]} v1`;
  const expression =
    dtype === 'float32'
      ? `select(0u, 1u, select(${compared}, ${op === 'ne' ? 'true' : 'false'}, is_nan(v0) || is_nan(v1)))`
      : `select(0u, 1u, ${compared})`;
  return new ElementwiseProgram(`compare:${op}`, operands, 'bool', a.shape.length, { expression });
}
