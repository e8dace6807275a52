import type { DType, View } from '@kindling/tensor';
import { convert, ElementwiseProgram, isRowMajor } from './elementwise.js';

/**
 * A strided read converted to `to`. With `from === to` this is the Contiguous kernel's copy: the
 * words are moved unchanged, so it serves every dtype.
 */
export function castProgram(x: View, to: DType): ElementwiseProgram {
  const family = x.dtype === to ? 'copy' : `cast:${to}`;
  return new ElementwiseProgram(family, [{ dtype: x.dtype, contiguous: isRowMajor(x) }], to, x.shape.length, {
    expression: convert('v0', x.dtype, to),
  });
}
