/*
 * The WGSL of the primitives the declared elementwise math is built from (see declared.ts and
 * @kindling/tensor's ops/elementwise-math.ts), one function each where WGSL's builtin is not what
 * the cpu backend computes. Each handles NaN and infinities explicitly where WGSL's builtins leave them
 * undefined (log of a negative number, tanh of a large one), to match the cpu backend exactly.
 * sin and cos reduce their argument to [−π/4, π/4] themselves (WGSL only bounds its builtins'
 * error to about 5e-4), which keeps them within about 1e-7 of float32's for |x| up to a few
 * thousand. erf and erfc, which WGSL lacks, use their Maclaurin series near 0 and a Chebyshev fit of erfc's
 * tail (fractional error below 1.2e-7) elsewhere; expm1 and log1p use series near 0, where
 * exp(x) − 1 and log(1 + x) would lose the low digits.
 */
export const PRIMITIVE_HELPERS = `
fn k_exp(x: f32) -> f32 { return select(exp(x), x, is_nan(x)); }
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
// WGSL lets an implementation assume no NaN in comparisons: the float ones test for it first.
fn k_eq(a: f32, b: f32) -> bool { return !is_nan(a) && !is_nan(b) && a == b; }
fn k_ne(a: f32, b: f32) -> bool { return is_nan(a) || is_nan(b) || a != b; }
fn k_lt(a: f32, b: f32) -> bool { return !is_nan(a) && !is_nan(b) && a < b; }
fn k_le(a: f32, b: f32) -> bool { return !is_nan(a) && !is_nan(b) && a <= b; }
fn k_gt(a: f32, b: f32) -> bool { return !is_nan(a) && !is_nan(b) && a > b; }
fn k_ge(a: f32, b: f32) -> bool { return !is_nan(a) && !is_nan(b) && a >= b; }
// The int32 ones are named apart from the float ones (WGSL has no overloads), so one program holds both.
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
