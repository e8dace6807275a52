/*
 * float32 sums and means, accumulated in float64 as the cpu backend does, so a sum of many terms
 * rounds once at the end and agrees with the reference within one float32 ulp.
 */

/** Columns summed per pass: their float64 accumulators (32 KB) stay in L1. */
const COLUMN_CHUNK: i32 = 4096;

/** Scratch bytes one thread needs for `sumColumnsF32`. */
export function reduceScratchBytes(): i32 {
  return COLUMN_CHUNK * 8;
}

function high(v: v128): v128 {
  return v128.shuffle<i32>(v, v, 2, 3, 2, 3);
}

/** out[r] = Σ_j x[r * run + j] / divisor for each of `rows` contiguous runs. */
export function sumRowsF32(x: usize, out: usize, rows: i32, run: i32, divisor: f64): void {
  const runBytes = <usize>run << 2;
  const vectorBytes = <usize>(run & ~3) << 2;
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * runBytes;
    let lo = f64x2.splat(0);
    let hi = f64x2.splat(0);
    let j: usize = 0;
    for (; j < vectorBytes; j += 16) {
      const v = v128.load(row + j);
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(high(v)));
    }
    const both = f64x2.add(lo, hi);
    let sum = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
    for (; j < runBytes; j += 4) sum += <f64>load<f32>(row + j);
    store<f32>(out + (<usize>r << 2), <f32>(sum / divisor));
  }
}

/**
 * out[j] = Σ_r x[r * rowStride + j] / divisor for j < cols: the sum over the leading dim (a bias
 * gradient). Rows are streamed in order, adding into float64 accumulators held in `scratch`.
 */
export function sumColumnsF32(x: usize, rowStride: i32, out: usize, rows: i32, cols: i32, divisor: f64, scratch: usize): void {
  const rowBytes = <usize>rowStride << 2;
  for (let start = 0; start < cols; start += COLUMN_CHUNK) {
    const width = min(COLUMN_CHUNK, cols - start);
    const vectorWidth = width & ~3;
    memory.fill(scratch, 0, <usize>width << 3);
    for (let r = 0; r < rows; r++) {
      const row = x + <usize>r * rowBytes + (<usize>start << 2);
      let j = 0;
      for (; j < vectorWidth; j += 4) {
        const v = v128.load(row + (<usize>j << 2));
        const acc = scratch + (<usize>j << 3);
        v128.store(acc, f64x2.add(v128.load(acc), f64x2.promote_low_f32x4(v)));
        v128.store(acc, f64x2.add(v128.load(acc, 16), f64x2.promote_low_f32x4(high(v))), 16);
      }
      for (; j < width; j++) {
        const acc = scratch + (<usize>j << 3);
        store<f64>(acc, load<f64>(acc) + <f64>load<f32>(row + (<usize>j << 2)));
      }
    }
    for (let j = 0; j < width; j++) {
      store<f32>(out + (<usize>(start + j) << 2), <f32>(load<f64>(scratch + (<usize>j << 3)) / divisor));
    }
  }
}
