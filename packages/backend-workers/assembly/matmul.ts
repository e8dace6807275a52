import { packPanels, PANEL_WIDTH } from './pack';
import { grab, grabCount, grabStart } from './schedule';

/*
 * float32 matmul, C = A·B, register-blocked and cache-tiled (the GotoBLAS loop order). B is packed
 * per (k-block × column-block) into panels (pack.ts); A is read in place through its strides, so
 * A = xᵀ (the weight gradient) costs nothing extra; B = Wᵀ (the forward pass) is transposed while
 * packing. A 4×8 tile of C lives in eight f32x4 registers for a whole k-block.
 *
 * Block sizes, measured on the 2-core AMD EPYC (Zen 5) host with V8 11.3, one thread, the three
 * tutorial shapes (128×784×512, 784×128×512, 128×512×784): 4×8 tiles ran at 47–58 GFLOP/s (55–60
 * with fused multiply-add); 6×8 (with or without FMA), 4×12, 3×16, 5×8 and 8×4 spilled registers
 * (V8 allocates 16 vector registers) and ran at 20–30, and unrolling k by 2 at 35. KC 128–1024
 * and NC 256–512 were within noise of each other; KC = 256 keeps a packed panel (8 KB) and the A
 * strip (4 KB) in L1.
 */

/** Depth of one k-block: the slice of B packed at once and reused by every row block of A. */
export const BLOCK_K: i32 = 256;
/** Columns of B packed at once: BLOCK_K × BLOCK_N floats (512 KB) per thread, in L2. */
export const BLOCK_N: i32 = 512;
/** Scratch bytes one thread needs: the packed block plus a 4×8 tile for ragged edges. */
export const MATMUL_SCRATCH_BYTES: i32 = BLOCK_K * BLOCK_N * 4 + 4 * PANEL_WIDTH * 4;

/** The scratch size, for the host to reserve per thread. */
export function matmulScratchBytes(): i32 {
  return MATMUL_SCRATCH_BYTES;
}

/**
 * a·b + c per lane. The relaxed-SIMD build (dist/kernels-relaxed.wasm) uses the fused
 * multiply-add, one instruction instead of two: measured, the three tutorial shapes run 15–19%
 * faster on one thread (47–50 → 55–57 GFLOP/s) and a training step ~0.6 ms faster.
 */
function multiplyAdd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * C[4×8] (+)= A[4×kc]·P[kc×8]: A's rows start `rowBytes` apart and advance `stepBytes` per k;
 * P is one packed panel; C's rows are `ldcBytes` apart. `accumulate` adds to C instead of storing.
 */
function tile4x8(a: usize, rowBytes: usize, stepBytes: usize, panel: usize, kc: i32, c: usize, ldcBytes: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let a0 = a;
  let a1 = a + rowBytes;
  let a2 = a1 + rowBytes;
  let a3 = a2 + rowBytes;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(panel);
    const b1 = v128.load(panel, 16);
    let x = v128.load32_splat(a0);
    c00 = multiplyAdd(x, b0, c00);
    c01 = multiplyAdd(x, b1, c01);
    x = v128.load32_splat(a1);
    c10 = multiplyAdd(x, b0, c10);
    c11 = multiplyAdd(x, b1, c11);
    x = v128.load32_splat(a2);
    c20 = multiplyAdd(x, b0, c20);
    c21 = multiplyAdd(x, b1, c21);
    x = v128.load32_splat(a3);
    c30 = multiplyAdd(x, b0, c30);
    c31 = multiplyAdd(x, b1, c31);
    a0 += stepBytes;
    a1 += stepBytes;
    a2 += stepBytes;
    a3 += stepBytes;
    panel += 32;
  }
  const r1 = c + ldcBytes;
  const r2 = r1 + ldcBytes;
  const r3 = r2 + ldcBytes;
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(r1));
    c11 = f32x4.add(c11, v128.load(r1, 16));
    c20 = f32x4.add(c20, v128.load(r2));
    c21 = f32x4.add(c21, v128.load(r2, 16));
    c30 = f32x4.add(c30, v128.load(r3));
    c31 = f32x4.add(c31, v128.load(r3, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(r1, c10);
  v128.store(r1, c11, 16);
  v128.store(r2, c20);
  v128.store(r2, c21, 16);
  v128.store(r3, c30);
  v128.store(r3, c31, 16);
}

/** C[1×8] (+)= A[1×kc]·P[kc×8], for the rows left over when the row count is not a multiple of 4. */
function tile1x8(a: usize, stepBytes: usize, panel: usize, kc: i32, c: usize, accumulate: bool): void {
  let c0 = f32x4.splat(0);
  let c1 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const x = v128.load32_splat(a);
    c0 = multiplyAdd(x, v128.load(panel), c0);
    c1 = multiplyAdd(x, v128.load(panel, 16), c1);
    a += stepBytes;
    panel += 32;
  }
  if (accumulate) {
    c0 = f32x4.add(c0, v128.load(c));
    c1 = f32x4.add(c1, v128.load(c, 16));
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
}

/** Adds (or stores) the first `columns` of each of `rows` 8-wide rows of `tile` into C. */
function flushTile(tile: usize, rows: i32, columns: i32, c: usize, ldcBytes: usize, accumulate: bool): void {
  for (let r = 0; r < rows; r++) {
    const source = tile + (<usize>(r * PANEL_WIDTH) << 2);
    const target = c + <usize>r * ldcBytes;
    for (let j = 0; j < columns; j++) {
      const offset = <usize>j << 2;
      const value = load<f32>(source + offset);
      store<f32>(target + offset, accumulate ? load<f32>(target + offset) + value : value);
    }
  }
}

/**
 * C[rows, cols] = A[rows, :]·B[:, cols] for a block of at most BLOCK_N of C's n columns, packing B
 * one k-block at a time into `scratch`. A's element (i, p) is at `a + (i * aRowStride + p * aColStride) * 4`,
 * B's likewise; k is positive. `tile` is room for one 4×8 tile of a ragged edge.
 */
function multiplyBlock(
  a: usize,
  aRowStride: i32,
  aColStride: i32,
  b: usize,
  bRowStride: i32,
  bColStride: i32,
  c: usize,
  n: i32,
  k: i32,
  rowStart: i32,
  rowEnd: i32,
  colStart: i32,
  colEnd: i32,
  scratch: usize,
  tile: usize,
): void {
  const ldcBytes = <usize>n << 2;
  const rowBytes = <usize>aRowStride << 2;
  const stepBytes = <usize>aColStride << 2;
  const nc = colEnd - colStart;
  for (let pc = 0; pc < k; pc += BLOCK_K) {
    const kc = min(BLOCK_K, k - pc);
    const accumulate = pc > 0;
    packPanels(b + (<usize>(pc * bRowStride + colStart * bColStride) << 2), bRowStride, bColStride, kc, nc, scratch);
    const panelBytes = <usize>(kc * PANEL_WIDTH) << 2;
    let i = rowStart;
    for (; i + 4 <= rowEnd; i += 4) {
      const aRow = a + (<usize>(i * aRowStride + pc * aColStride) << 2);
      const cRow = c + (<usize>(i * n + colStart) << 2);
      let panel = scratch;
      for (let q = 0; q < nc; q += PANEL_WIDTH) {
        if (q + PANEL_WIDTH <= nc) {
          tile4x8(aRow, rowBytes, stepBytes, panel, kc, cRow + (<usize>q << 2), ldcBytes, accumulate);
        } else {
          tile4x8(aRow, rowBytes, stepBytes, panel, kc, tile, PANEL_WIDTH << 2, false);
          flushTile(tile, 4, nc - q, cRow + (<usize>q << 2), ldcBytes, accumulate);
        }
        panel += panelBytes;
      }
    }
    for (; i < rowEnd; i++) {
      const aRow = a + (<usize>(i * aRowStride + pc * aColStride) << 2);
      const cRow = c + (<usize>(i * n + colStart) << 2);
      let panel = scratch;
      for (let q = 0; q < nc; q += PANEL_WIDTH) {
        if (q + PANEL_WIDTH <= nc) {
          tile1x8(aRow, stepBytes, panel, kc, cRow + (<usize>q << 2), accumulate);
        } else {
          tile1x8(aRow, stepBytes, panel, kc, tile, false);
          flushTile(tile, 1, nc - q, cRow + (<usize>q << 2), ldcBytes, accumulate);
        }
        panel += panelBytes;
      }
    }
  }
}

/**
 * The smallest share a grab takes: 2 panels (16 columns) or 2 tiles (8 rows). Measured against
 * fixed 64-column chunks on the three tutorial shapes, guided grabs down to this size were as fast
 * in isolation and shorten the wait for the last grab.
 */
const MIN_GRAB: i32 = 2;

/**
 * C = A·B for A [m, k] and B [k, n] (strides in elements, any layout) into the row-major C. Every
 * thread running this call takes work from the shared `counter` (an int32 the host zeroes) until
 * none is left, so a thread that starts late, or is preempted, simply does less: by 8-column panels
 * (each thread packs only the columns it takes), or by 4-row tiles when `byRows` (B is then narrow,
 * and each grab repacks all of it). `threads` sizes the grabs; `scratch` is this thread's
 * MATMUL_SCRATCH_BYTES. k must be positive.
 */
export function matmulF32(
  a: usize,
  aRowStride: i32,
  aColStride: i32,
  b: usize,
  bRowStride: i32,
  bColStride: i32,
  c: usize,
  m: i32,
  n: i32,
  k: i32,
  byRows: bool,
  threads: i32,
  counter: usize,
  scratch: usize,
): void {
  const unit = byRows ? 4 : PANEL_WIDTH;
  const units = ((byRows ? m : n) + unit - 1) / unit;
  const tile = scratch + (<usize>(BLOCK_K * BLOCK_N) << 2);
  for (let taken = grab(counter, units, threads, MIN_GRAB); taken != 0; taken = grab(counter, units, threads, MIN_GRAB)) {
    const first = grabStart(taken) * unit;
    const last = first + grabCount(taken) * unit;
    const rowStart = byRows ? first : 0;
    const rowEnd = byRows ? min(m, last) : m;
    const colStart = byRows ? 0 : first;
    const colEnd = byRows ? n : min(n, last);
    for (let block = colStart; block < colEnd; block += BLOCK_N) {
      multiplyBlock(a, aRowStride, aColStride, b, bRowStride, bColStride, c, n, k, rowStart, rowEnd, block, min(colEnd, block + BLOCK_N), scratch, tile);
    }
  }
}
