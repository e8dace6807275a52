import type { UnaryOp, View } from '@kindling/tensor';
import { ElementwiseProgram, isRowMajor } from './elementwise.js';

/*
 * Unary float ops. Each handles NaN and infinities explicitly where WGSL's builtins leave them
 * undefined (log of a negative number, tanh of a large one), to match the cpu backend exactly.
 */
const HELPERS = `
fn k_log(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return nan(); }
  if (x == 0.0) { return -inf(); }
  return log(x);
}
fn k_sqrt(x: f32) -> f32 { if (is_nan(x) || x < 0.0) { return nan(); } return sqrt(x); }
fn k_tanh(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  // exp(-2|x|) never overflows, so large |x| gives ±1 rather than inf / inf.
  let e = exp(-2.0 * abs(x));
  let t = (1.0 - e) / (1.0 + e);
  return select(t, -t, x < 0.0);
}
fn k_sigmoid(x: f32) -> f32 { if (is_nan(x)) { return x; } return 1.0 / (1.0 + exp(-x)); }
fn k_relu(x: f32) -> f32 { return select(x, 0.0, x < 0.0); }
fn k_sign(x: f32) -> f32 { return select(0.0, 1.0, x > 0.0) - select(0.0, 1.0, x < 0.0); }
`;

const EXPRESSIONS: Record<UnaryOp, string> = {
  neg: '-v0',
  exp: 'select(exp(v0), v0, is_nan(v0))',
  log: 'k_log(v0)',
  sqrt: 'k_sqrt(v0)',
  abs: 'abs(v0)',
  relu: 'k_relu(v0)',
  sigmoid: 'k_sigmoid(v0)',
  tanh: 'k_tanh(v0)',
  sign: 'k_sign(v0)',
};

/** The ops the op layer lets int32 through (it casts to float32 for the rest). */
const INT_EXPRESSIONS: Partial<Record<UnaryOp, string>> = {
  neg: '-v0',
  abs: 'abs(v0)',
  relu: 'max(v0, 0)',
  sign: 'select(0, 1, v0 > 0) - select(0, 1, v0 < 0)',
};

/** Unary `op` on a float32 (or, for neg/abs/relu/sign, int32) view; the key encodes op, dtype, rank and layout. */
export function unaryProgram(op: UnaryOp, x: View): ElementwiseProgram {
  const expression = x.dtype === 'int32' ? INT_EXPRESSIONS[op] : EXPRESSIONS[op];
  if (expression === undefined) throw new TypeError(`webgpu: unary '${op}' is not defined for ${x.dtype}`);
  return new ElementwiseProgram(`unary:${op}`, [{ dtype: x.dtype, contiguous: isRowMajor(x) }], x.dtype, x.shape.length, {
    expression,
    helpers: x.dtype === 'int32' ? '' : HELPERS,
  });
}

/** The helper used by the fused matmul epilogue, so fused and unfused ReLU are the same code. */
export const RELU_HELPER = 'fn k_relu(x: f32) -> f32 { return select(x, 0.0, x < 0.0); }\n';
