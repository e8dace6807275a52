import type { BinaryOp, DType, View } from '@kindling/tensor';
import { ElementwiseProgram, isRowMajor } from './elementwise.js';

const FLOAT_HELPERS = `
fn k_max(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return nan(); } return max(a, b); }
fn k_min(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return nan(); } return min(a, b); }
fn k_pow(x: f32, y: f32) -> f32 {
  // Math.pow's special cases, which WGSL's pow (exp2(y * log2(x))) leaves undefined.
  if (y == 0.0) { return 1.0; }
  if (is_nan(x) || is_nan(y)) { return nan(); }
  let integral = floor(y) == y && abs(y) < 16777216.0;
  if (integral && abs(y) <= 64.0) {
    // Exact repeated squaring for small integer powers: x * x rather than exp2(2 * log2(x)).
    var result = 1.0;
    var base = x;
    var e = u32(abs(y));
    loop {
      if (e == 0u) { break; }
      if ((e & 1u) == 1u) { result = result * base; }
      base = base * base;
      e = e >> 1u;
    }
    return select(result, 1.0 / result, y < 0.0);
  }
  if (x == 0.0) { return select(0.0, inf(), y < 0.0); }
  if (x < 0.0 && !integral) { return nan(); }
  let magnitude = exp2(y * log2(abs(x)));
  let odd = integral && (abs(y) % 2.0) == 1.0;
  return select(magnitude, -magnitude, x < 0.0 && odd);
}
`;

// Named apart from the float helpers, so that a fused chain can hold both (WGSL has no overloads).
const INT_HELPERS = `
fn k_ipow(x: i32, y: i32) -> i32 {
  if (y < 0) {
    if (x == 1) { return 1; }
    if (x == -1) { return select(-1, 1, (y & 1) == 0); }
    return 0;
  }
  var result = 1;
  var base = x;
  var e = u32(y);
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) == 1u) { result = result * base; }
    base = base * base;
    e = e >> 1u;
  }
  return result;
}
fn k_idiv(a: i32, b: i32) -> i32 { if (b == 0) { return 0; } return a / b; }
`;

function floatExpression(op: BinaryOp): string {
  switch (op) {
    case 'add':
      return 'v0 + v1';
    case 'sub':
      return 'v0 - v1';
    case 'mul':
      return 'v0 * v1';
    case 'div':
      return 'v0 / v1';
    case 'pow':
      return 'k_pow(v0, v1)';
    case 'maximum':
      return 'k_max(v0, v1)';
    case 'minimum':
      return 'k_min(v0, v1)';
  }
}

/** int32 arithmetic wraps in WGSL as it does in the cpu backend's Int32Array stores. */
function intExpression(op: BinaryOp, a: string, b: string): string {
  switch (op) {
    case 'add':
      return `${a} + ${b}`;
    case 'sub':
      return `${a} - ${b}`;
    case 'mul':
      return `${a} * ${b}`;
    case 'div':
      return `k_idiv(${a}, ${b})`;
    case 'pow':
      return `k_ipow(${a}, ${b})`;
    case 'maximum':
      return `max(${a}, ${b})`;
    case 'minimum':
      return `min(${a}, ${b})`;
  }
}

/** Elementwise `op` on two views of one dtype and the output's shape; bool results are `!= 0`, as on the cpu. */
export function binaryProgram(op: BinaryOp, a: View, b: View, dtype: DType): ElementwiseProgram {
  const operands = [a, b].map((v) => ({ dtype, contiguous: isRowMajor(v) }));
  const body =
    dtype === 'float32'
      ? { expression: floatExpression(op), helpers: FLOAT_HELPERS }
      : dtype === 'int32'
        ? { expression: intExpression(op, 'v0', 'v1'), helpers: INT_HELPERS }
        : { expression: `select(0u, 1u, (${intExpression(op, 'i32(v0)', 'i32(v1)')}) != 0)`, helpers: INT_HELPERS };
  return new ElementwiseProgram(`binary:${op}`, operands, dtype, a.shape.length, body);
}
