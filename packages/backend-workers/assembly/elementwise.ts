import {
  BINARY_ADD,
  BINARY_DIV,
  BINARY_MAXIMUM,
  BINARY_MINIMUM,
  BINARY_MUL,
  BINARY_SUB,
  COMPARE_EQ,
  COMPARE_GE,
  COMPARE_GT,
  COMPARE_LE,
  COMPARE_LT,
  COMPARE_NE,
  UNARY_ABS,
  UNARY_NEG,
  UNARY_RELU,
  UNARY_SIGN,
  UNARY_SQRT,
} from '../src/kernels/op-codes';

/*
 * Elementwise float32 kernels over contiguous runs, switching on the op codes that the host passes
 * (src/kernels/op-codes.ts, shared by both sides); an unknown code traps. Every op here is exact
 * in float32 (IEEE add, sub, mul, div, sqrt, max, min are correctly rounded), so results match the
 * cpu backend, which computes in float64 and rounds once, bit for bit.
 */

function unaryVector(op: i32, x: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case UNARY_NEG:
      return f32x4.neg(x);
    case UNARY_ABS:
      return f32x4.abs(x);
    case UNARY_RELU:
      // x < 0 ? 0 : x, so NaN and -0 pass through as in PyTorch.
      return v128.bitselect(zero, x, f32x4.lt(x, zero));
    case UNARY_SQRT:
      return f32x4.sqrt(x);
    case UNARY_SIGN: {
      // (0 < x) - (x < 0): NaN and -0 give +0.
      const one = f32x4.splat(1);
      return f32x4.sub(v128.and(f32x4.gt(x, zero), one), v128.and(f32x4.lt(x, zero), one));
    }
    default:
      return unreachable();
  }
}

/** out[i] = op(x[i]) for i < n: neg, abs, relu, sqrt, sign. */
export function unaryF32(op: i32, x: usize, out: usize, n: i32): void {
  const vectorEnd = <usize>(n & ~3) << 2;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) v128.store(out + i, unaryVector(op, v128.load(x + i)));
  const end = <usize>n << 2;
  for (; i < end; i += 4) {
    store<f32>(out + i, f32x4.extract_lane(unaryVector(op, f32x4.splat(load<f32>(x + i))), 0));
  }
}

function binaryVector(op: i32, x: v128, y: v128): v128 {
  switch (op) {
    case BINARY_ADD:
      return f32x4.add(x, y);
    case BINARY_SUB:
      return f32x4.sub(x, y);
    case BINARY_MUL:
      return f32x4.mul(x, y);
    case BINARY_DIV:
      return f32x4.div(x, y);
    case BINARY_MAXIMUM:
      // Wasm max and min propagate NaN and order -0 below +0, as Math.max and Math.min do.
      return f32x4.max(x, y);
    case BINARY_MINIMUM:
      return f32x4.min(x, y);
    default:
      return unreachable();
  }
}

function binaryScalar(op: i32, x: f32, y: f32): f32 {
  return f32x4.extract_lane(binaryVector(op, f32x4.splat(x), f32x4.splat(y)), 0);
}

/** out[i] = op(a[i], b[i]) for i < n: add, sub, mul, div, maximum, minimum. */
export function binaryF32(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  const vectorEnd = <usize>(n & ~3) << 2;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) v128.store(out + i, binaryVector(op, v128.load(a + i), v128.load(b + i)));
  const end = <usize>n << 2;
  for (; i < end; i += 4) store<f32>(out + i, binaryScalar(op, load<f32>(a + i), load<f32>(b + i)));
}

/**
 * A [rows, cols] matrix against a [cols] row repeated down it (a bias): out = op(matrix, row), or
 * op(row, matrix) when `rowOnLeft`.
 */
export function binaryRowsF32(op: i32, matrix: usize, row: usize, out: usize, rows: i32, cols: i32, rowOnLeft: bool): void {
  const rowBytes = <usize>cols << 2;
  const vectorEnd = <usize>(cols & ~3) << 2;
  for (let r = 0; r < rows; r++) {
    const m = matrix + <usize>r * rowBytes;
    const o = out + <usize>r * rowBytes;
    let j: usize = 0;
    for (; j < vectorEnd; j += 16) {
      const x = v128.load(m + j);
      const y = v128.load(row + j);
      v128.store(o + j, rowOnLeft ? binaryVector(op, y, x) : binaryVector(op, x, y));
    }
    for (; j < rowBytes; j += 4) {
      const x = load<f32>(m + j);
      const y = load<f32>(row + j);
      store<f32>(o + j, rowOnLeft ? binaryScalar(op, y, x) : binaryScalar(op, x, y));
    }
  }
}

/** out[i] = op(a[i], s), or op(s, a[i]) when `scalarOnLeft`, with s the float at `scalar`. */
export function binaryScalarF32(op: i32, a: usize, scalar: usize, out: usize, n: i32, scalarOnLeft: bool): void {
  const s = v128.load32_splat(scalar);
  const vectorEnd = <usize>(n & ~3) << 2;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) {
    const x = v128.load(a + i);
    v128.store(out + i, scalarOnLeft ? binaryVector(op, s, x) : binaryVector(op, x, s));
  }
  const end = <usize>n << 2;
  for (; i < end; i += 4) {
    const x = f32x4.splat(load<f32>(a + i));
    store<f32>(out + i, f32x4.extract_lane(scalarOnLeft ? binaryVector(op, s, x) : binaryVector(op, x, s), 0));
  }
}

function compareVector(op: i32, x: v128, y: v128): v128 {
  switch (op) {
    case COMPARE_EQ:
      return f32x4.eq(x, y);
    case COMPARE_NE:
      return f32x4.ne(x, y);
    case COMPARE_LT:
      return f32x4.lt(x, y);
    case COMPARE_LE:
      return f32x4.le(x, y);
    case COMPARE_GT:
      return f32x4.gt(x, y);
    case COMPARE_GE:
      return f32x4.ge(x, y);
    default:
      return unreachable();
  }
}

/**
 * out[i] = op(a[i], b[i]) as a 0/1 byte (b[0] for every i when `bScalar`): eq, ne, lt, le, gt, ge.
 * Sixteen results are narrowed from four lane masks into one vector of bytes per step.
 */
export function compareF32(op: i32, a: usize, b: usize, out: usize, n: i32, bScalar: bool): void {
  const ones = i8x16.splat(1);
  const bStep: usize = bScalar ? 0 : 16;
  let y = b;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const x = a + (<usize>i << 2);
    const m0 = compareVector(op, v128.load(x), bScalar ? v128.load32_splat(y) : v128.load(y));
    const m1 = compareVector(op, v128.load(x, 16), bScalar ? v128.load32_splat(y) : v128.load(y + bStep));
    const m2 = compareVector(op, v128.load(x, 32), bScalar ? v128.load32_splat(y) : v128.load(y + 2 * bStep));
    const m3 = compareVector(op, v128.load(x, 48), bScalar ? v128.load32_splat(y) : v128.load(y + 3 * bStep));
    const bytes = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
    v128.store(out + <usize>i, v128.and(bytes, ones));
    y += 4 * bStep;
  }
  for (; i < n; i++) {
    const x = f32x4.splat(load<f32>(a + (<usize>i << 2)));
    const other = f32x4.splat(load<f32>(bScalar ? b : b + (<usize>i << 2)));
    store<u8>(out + <usize>i, <u8>(i32x4.extract_lane(compareVector(op, x, other), 0) & 1));
  }
}

function whereRun(cond: usize, a: usize, aScalar: bool, b: usize, bScalar: bool, out: usize, n: i32): void {
  const zero = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const flags = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(cond + <usize>i)));
    const offset = <usize>i << 2;
    const x = aScalar ? v128.load32_splat(a) : v128.load(a + offset);
    const y = bScalar ? v128.load32_splat(b) : v128.load(b + offset);
    v128.store(out + offset, v128.bitselect(x, y, i32x4.ne(flags, zero)));
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    const x = load<u32>(aScalar ? a : a + offset);
    const y = load<u32>(bScalar ? b : b + offset);
    store<u32>(out + offset, load<u8>(cond + <usize>i) != 0 ? x : y);
  }
}

/**
 * out[i] = cond[(phase + i) % period] ? a[i] : b[i] for i < n, for any 4-byte dtype (float32 or
 * int32: the select is bitwise). The condition repeats every `period` flags (attention's causal
 * mask [L, S] over every batch and head), `phase` being where this share starts in it; `aScalar` /
 * `bScalar` read element 0 for every i (a broadcast zero, say).
 */
export function where32(cond: usize, period: i32, phase: i32, a: usize, aScalar: bool, b: usize, bScalar: bool, out: usize, n: i32): void {
  let done = 0;
  let start = phase;
  while (done < n) {
    const run = min(n - done, period - start);
    const offset = <usize>done << 2;
    whereRun(cond + <usize>start, aScalar ? a : a + offset, aScalar, bScalar ? b : b + offset, bScalar, out + offset, run);
    done += run;
    start = 0;
  }
}

/**
 * A [rows, cols] matrix against a [rows] column repeated across it: out = op(matrix, column), or
 * op(column, matrix) when `columnOnLeft`.
 */
export function binaryColumnsF32(op: i32, matrix: usize, column: usize, out: usize, rows: i32, cols: i32, columnOnLeft: bool): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const offset = <usize>r * rowBytes;
    binaryScalarF32(op, matrix + offset, column + (<usize>r << 2), out + offset, cols, columnOnLeft);
  }
}
