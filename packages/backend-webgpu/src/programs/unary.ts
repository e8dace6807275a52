import type { UnaryOp, View } from '@kindling/tensor';
import { ElementwiseProgram, isRowMajor } from './elementwise.js';

/*
 * Unary float ops. Each handles NaN and infinities explicitly where WGSL's builtins leave them
 * undefined (log of a negative number, tanh of a large one), to match the cpu backend exactly.
 * sin and cos reduce their argument to [−π/4, π/4] themselves (WGSL only bounds its builtins'
 * error to about 5e-4), which keeps them within about 1e-7 of float32's for |x| up to a few
 * thousand. erf and erfc, which WGSL lacks, use their Maclaurin series near 0 and a Chebyshev fit of erfc's
 * tail (fractional error below 1.2e-7) elsewhere; expm1 and log1p use series near 0, where
 * exp(x) − 1 and log(1 + x) would lose the low digits.
 */
export const UNARY_HELPERS = `
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
fn k_finite(x: f32) -> bool { return !is_nan(x) && abs(x) != inf(); }
fn k_sine_quadrant(x: f32, shift: i32) -> f32 {
  if (!k_finite(x)) { return nan(); }
  // x = q·π/2 + r with |r| <= π/4; π/2 in three parts (8, 12 and 24 bits) keeps q·part exact.
  let q = round(x * 0.63661977236);
  let r = ((x - q * 1.5703125) - q * 0.0004838705062866211) + q * 4.371138828673793e-8;
  let r2 = r * r;
  let s = r + r * r2 * (-0.16666667 + r2 * (0.0083333333 + r2 * (-0.00019841270 + r2 * 0.0000027557319)));
  let c = 1.0 - 0.5 * r2 + r2 * r2 * (0.041666668 + r2 * (-0.0013888889 + r2 * 0.000024801587));
  let quadrant = (i32(q) + shift) & 3;
  if (quadrant == 0) { return s; }
  if (quadrant == 1) { return c; }
  if (quadrant == 2) { return -s; }
  return -c;
}
fn k_sin(x: f32) -> f32 { return k_sine_quadrant(x, 0); }
fn k_cos(x: f32) -> f32 { return k_sine_quadrant(x, 1); }
fn k_erf_series(x: f32) -> f32 {
  let x2 = x * x;
  return x * 1.1283791671 * (1.0 + x2 * (-0.33333333 + x2 * (0.1 + x2 * (-0.023809524 + x2 * (0.0046296296 - x2 * 0.00075757576)))));
}
fn k_erfc_tail(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * z);
  let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
    + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * exp(p - z * z);
}
fn k_erf(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (abs(x) < 0.5) { return k_erf_series(x); }
  let tail = k_erfc_tail(abs(x));
  return select(1.0 - tail, tail - 1.0, x < 0.0);
}
fn k_erfc(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (abs(x) < 0.5) { return 1.0 - k_erf_series(x); }
  let tail = k_erfc_tail(abs(x));
  return select(tail, 2.0 - tail, x < 0.0);
}
fn k_rsqrt(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return nan(); }
  if (x == 0.0) { return inf(); }
  if (x == inf()) { return 0.0; }
  return inverseSqrt(x);
}
fn k_expm1(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (0.5 + x * (0.16666667 + x * (0.041666668 + x * (0.0083333333 + x * (0.0013888889
      + x * (0.00019841270 + x * (0.000024801587 + x * 0.0000027557319))))))));
  }
  if (x > 88.8) { return inf(); }
  return exp(x) - 1.0;
}
fn k_log1p(x: f32) -> f32 {
  if (is_nan(x) || x < -1.0) { return nan(); }
  if (x == -1.0) { return -inf(); }
  if (abs(x) < 0.5) {
    // ln(1 + x) = 2 atanh(s), s = x / (2 + x), |s| <= 1/3.
    let s = x / (2.0 + x);
    let s2 = s * s;
    return 2.0 * s * (1.0 + s2 * (0.33333333 + s2 * (0.2 + s2 * (0.14285714 + s2 * (0.11111111 + s2 * (0.090909091
      + s2 * (0.076923077 + s2 * (0.066666667 + s2 * 0.058823529))))))));
  }
  return k_log(1.0 + x);
}
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
  sin: 'k_sin(v0)',
  cos: 'k_cos(v0)',
  erf: 'k_erf(v0)',
  erfc: 'k_erfc(v0)',
  rsqrt: 'k_rsqrt(v0)',
  expm1: 'k_expm1(v0)',
  log1p: 'k_log1p(v0)',
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
    helpers: x.dtype === 'int32' ? '' : UNARY_HELPERS,
  });
}
