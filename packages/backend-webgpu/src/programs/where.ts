import type { DType, View } from '@kindling/tensor';
import { ElementwiseProgram, isRowMajor } from './elementwise.js';

/** `condition ? a : b` elementwise: a bool condition and two views of `dtype`, all of the output's shape. */
export function whereProgram(condition: View, a: View, b: View, dtype: DType): ElementwiseProgram {
  const operands = [
    { dtype: 'bool' as const, contiguous: isRowMajor(condition) },
    { dtype, contiguous: isRowMajor(a) },
    { dtype, contiguous: isRowMajor(b) },
  ];
  return new ElementwiseProgram('where', operands, dtype, a.shape.length, { expression: 'select(v2, v1, v0 != 0u)' });
}
