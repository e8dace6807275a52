/*
 * exp and erf four float32 lanes at a time, for the hot paths where the float64 scalar functions of
 * math.ts cost too much: GELU's erf over every MLP activation of a transformer and softmax's exp
 * over every attention score. Both are plain mul and add (no fused multiply-add), so every engine
 * and both builds give the same bits. Only the kernels over memory are exported: a v128 does not
 * cross the module boundary in every embedding.
 */

const LOG2_E: f32 = 1.44269504;
// ln 2 split in two (Cody and Waite): n·LN2_HIGH is exact for the n that occur, so r keeps its bits.
const LN2_HIGH: f32 = 0.693359375;
const LN2_LOW: f32 = -2.12194440e-4;
/** Below this exp is under 2^-126: the scale 2^n would leave the normal range, so it is clamped to give 0. */
const EXP_MIN: f32 = -88;

function horner(t: v128, coefficients: StaticArray<f32>): v128 {
  let acc = f32x4.splat(unchecked(coefficients[0]));
  for (let i = 1; i < coefficients.length; i++) acc = f32x4.add(f32x4.mul(acc, t), f32x4.splat(unchecked(coefficients[i])));
  return acc;
}

// e^r for |r| ≤ ln2/2 by its Taylor series to r^7: the first omitted term is under 5e-9.
const EXP_TAYLOR: StaticArray<f32> = [1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, 1];

/**
 * e^x per lane for x ≤ 0 (softmax's shifted scores, erf's −x²), within 2 float32 ulps:
 * x = n·ln2 + r, e^x = 2^n·e^r. Lanes below -88 give 0 (the true value is subnormal, under 7e-39);
 * NaN stays NaN.
 */
function expF32x4(x: v128): v128 {
  const clamped = f32x4.max(x, f32x4.splat(EXP_MIN));
  const n = f32x4.nearest(f32x4.mul(clamped, f32x4.splat(LOG2_E)));
  const r = f32x4.sub(f32x4.sub(clamped, f32x4.mul(n, f32x4.splat(LN2_HIGH))), f32x4.mul(n, f32x4.splat(LN2_LOW)));
  // 2^n built in the exponent field; n = -127 gives the bits of +0.
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(horner(r, EXP_TAYLOR), scale);
}

/** Where erf switches from the series near 0 to the tail form; beyond ERF_ONE it rounds to ±1. */
const ERF_SPLIT: f32 = 1;
const ERF_ONE: f32 = 4;
// Fitted by scripts/erf-coefficients.py (least squares against float64 erf and erfc), highest power
// first: erf x = x·P(x²) below the split, 1 − e^(−x²)·Q(1/x) above it.
const ERF_NEAR: StaticArray<f32> = [
  -9.728407434665171e-6, 0.00011288174403029791, -0.0008487267679922801, 0.005221261491953612, -0.026865517442990493,
  0.11283784111806444, -0.3761263859042685, 1.1283791670822838,
];
const ERF_TAIL: StaticArray<f32> = [
  0.029022377165849492, -0.2328826940630501, 0.8467909392293743, -1.8340528966558611, 2.598262862938472, -2.4464063411754675,
  1.4051612676327916, -0.2626304256965779, -0.2346770553566542, -0.005565092216460265, 0.5645722734337422, -1.1639012611197597e-5,
];

/**
 * erf x per lane, within 2.1e-7 relative of the float64 erf (the script measures it): both forms
 * are evaluated and the lane picks one. ±Infinity give ±1 and NaN stays NaN.
 */
function erfF32x4(x: v128): v128 {
  const magnitude = f32x4.abs(x);
  const near = f32x4.min(magnitude, f32x4.splat(ERF_SPLIT));
  const nearValue = f32x4.mul(near, horner(f32x4.mul(near, near), ERF_NEAR));
  // min propagates NaN, so a NaN lane stays NaN through the tail form.
  const far = f32x4.max(f32x4.min(magnitude, f32x4.splat(ERF_ONE)), f32x4.splat(ERF_SPLIT));
  const tail = f32x4.mul(expF32x4(f32x4.neg(f32x4.mul(far, far))), horner(f32x4.div(f32x4.splat(1), far), ERF_TAIL));
  const farValue = f32x4.sub(f32x4.splat(1), tail);
  const value = v128.bitselect(nearValue, farValue, f32x4.lt(magnitude, f32x4.splat(ERF_SPLIT)));
  // erf is odd: the sign bit of x onto the value of |x|.
  const signBit = i32x4.splat(0x80000000);
  return v128.or(v128.andnot(value, signBit), v128.and(x, signBit));
}

/** out[i] = erf(x[i]) for i < n. */
export function erfF32(x: usize, out: usize, n: i32): void {
  const vectorEnd = <usize>(n & ~3) << 2;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) v128.store(out + i, erfF32x4(v128.load(x + i)));
  const end = <usize>n << 2;
  for (; i < end; i += 4) store<f32>(out + i, f32x4.extract_lane(erfF32x4(f32x4.splat(load<f32>(x + i))), 0));
}

/*
 * Softmax and log-softmax along contiguous rows (attention's scores, a classifier's logits): the
 * row's max is subtracted first, so exp never overflows and a row of -Infinity but one entry (a
 * causal mask) is exact. exp is the float32 vector one; the sum is accumulated in float64.
 */

function rowMax(row: usize, bytes: usize): f32 {
  const vectorBytes = bytes & ~15;
  let best = f32x4.splat(-Infinity);
  let j: usize = 0;
  for (; j < vectorBytes; j += 16) best = f32x4.max(best, v128.load(row + j));
  let max = Mathf.max(Mathf.max(f32x4.extract_lane(best, 0), f32x4.extract_lane(best, 1)), Mathf.max(f32x4.extract_lane(best, 2), f32x4.extract_lane(best, 3)));
  for (; j < bytes; j += 4) max = Mathf.max(max, load<f32>(row + j));
  return max;
}

function expScalar(x: f32): f32 {
  return f32x4.extract_lane(expF32x4(f32x4.splat(x)), 0);
}

/** Writes e^(x - max) of the row to `target` and returns their sum. */
function shiftedExp(row: usize, target: usize, bytes: usize, max: f32): f64 {
  const vectorBytes = bytes & ~15;
  const shift = f32x4.splat(max);
  let sum = f64x2.splat(0);
  let j: usize = 0;
  for (; j < vectorBytes; j += 16) {
    const e = expF32x4(f32x4.sub(v128.load(row + j), shift));
    v128.store(target + j, e);
    sum = f64x2.add(sum, f64x2.add(f64x2.promote_low_f32x4(e), f64x2.promote_low_f32x4(v128.shuffle<i32>(e, e, 2, 3, 2, 3))));
  }
  let total = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
  for (; j < bytes; j += 4) {
    const e = expScalar(load<f32>(row + j) - max);
    store<f32>(target + j, e);
    total += <f64>e;
  }
  return total;
}

/**
 * For each of `rows` contiguous rows of `run` elements: out = softmax(x) along the row, or
 * log-softmax when `log` is 1 (x − max − log Σ e^(x − max), never the log of an underflowed 0).
 */
export function softmaxRowsF32(x: usize, out: usize, rows: i32, run: i32, log: i32): void {
  const bytes = <usize>run << 2;
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * bytes;
    const target = out + <usize>r * bytes;
    const max = rowMax(row, bytes);
    const sum = shiftedExp(row, target, bytes, max);
    if (log) {
      // In float64, as the reference: a result near 0 beside a large max keeps its digits.
      const shift = <f64>max + Math.log(sum);
      for (let j: usize = 0; j < bytes; j += 4) store<f32>(target + j, <f32>(<f64>load<f32>(row + j) - shift));
    } else {
      const scale = f32x4.splat(<f32>(1 / sum));
      const vectorBytes = bytes & ~15;
      let j: usize = 0;
      for (; j < vectorBytes; j += 16) v128.store(target + j, f32x4.mul(v128.load(target + j), scale));
      for (; j < bytes; j += 4) store<f32>(target + j, load<f32>(target + j) * f32x4.extract_lane(scale, 0));
    }
  }
}
