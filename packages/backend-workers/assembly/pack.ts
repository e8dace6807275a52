/*
 * Packing of the right-hand matmul operand into column panels. The micro-kernel in matmul.ts reads
 * B as panels of PANEL_WIDTH columns, each stored row after row (kc rows × 8 floats, 32 bytes a
 * row), so that it streams one panel with unit stride whatever B's layout was. Packing costs one
 * pass over B per k-block and is reused by every row block of A.
 */

/** Columns per packed panel: two f32x4 vectors, the width of the 4×8 micro-kernel. */
export const PANEL_WIDTH: i32 = 8;

/**
 * Packs B[0..kc, 0..nc] (element (p, j) at `b + (p * rowStride + j * colStride) * 4`) into
 * ceil(nc / 8) panels at `out`, zero-padding the last panel's missing columns.
 */
export function packPanels(b: usize, rowStride: i32, colStride: i32, kc: i32, nc: i32, out: usize): void {
  const fullColumns = nc & ~(PANEL_WIDTH - 1);
  if (colStride == 1) {
    packRowMajor(b, rowStride, kc, fullColumns, out);
  } else if (rowStride == 1) {
    packColumnMajor(b, colStride, kc, fullColumns, out);
  } else {
    packStrided(b, rowStride, colStride, kc, 0, fullColumns, out);
  }
  if (fullColumns < nc) {
    packStrided(b, rowStride, colStride, kc, fullColumns, nc, out + (<usize>(fullColumns * kc) << 2));
  }
}

/** Rows of B are contiguous (the NN and TN cases): each panel row is two vector copies. */
function packRowMajor(b: usize, rowStride: i32, kc: i32, columns: i32, out: usize): void {
  const rowBytes = <usize>rowStride << 2;
  for (let q = 0; q < columns; q += PANEL_WIDTH) {
    let source = b + (<usize>q << 2);
    for (let p = 0; p < kc; p++) {
      v128.store(out, v128.load(source));
      v128.store(out, v128.load(source, 16), 16);
      source += rowBytes;
      out += 32;
    }
  }
}

/**
 * Columns of B are contiguous: B is a transposed row-major matrix (the forward pass's x·Wᵀ). Each
 * panel is built from 4×4 blocks read along the columns and transposed in registers.
 */
function packColumnMajor(b: usize, colStride: i32, kc: i32, columns: i32, out: usize): void {
  const columnBytes = <usize>colStride << 2;
  const panelBytes = <usize>(kc * PANEL_WIDTH) << 2;
  for (let q = 0; q < columns; q += PANEL_WIDTH) {
    for (let half = 0; half < 2; half++) {
      let c0 = b + <usize>(q + 4 * half) * columnBytes;
      let c1 = c0 + columnBytes;
      let c2 = c1 + columnBytes;
      let c3 = c2 + columnBytes;
      let target = out + (<usize>half << 4);
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const r0 = v128.load(c0);
        const r1 = v128.load(c1);
        const r2 = v128.load(c2);
        const r3 = v128.load(c3);
        const lo01 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
        const lo23 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
        const hi01 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
        const hi23 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
        v128.store(target, v128.shuffle<i64>(lo01, lo23, 0, 2));
        v128.store(target, v128.shuffle<i64>(lo01, lo23, 1, 3), 32);
        v128.store(target, v128.shuffle<i64>(hi01, hi23, 0, 2), 64);
        v128.store(target, v128.shuffle<i64>(hi01, hi23, 1, 3), 96);
        c0 += 16;
        c1 += 16;
        c2 += 16;
        c3 += 16;
        target += 128;
      }
      for (; p < kc; p++) {
        store<f32>(target, load<f32>(c0));
        store<f32>(target, load<f32>(c1), 4);
        store<f32>(target, load<f32>(c2), 8);
        store<f32>(target, load<f32>(c3), 12);
        c0 += 4;
        c1 += 4;
        c2 += 4;
        c3 += 4;
        target += 32;
      }
    }
    out += panelBytes;
  }
}

/** Any layout (broadcast, sliced), and the ragged last panel: one element at a time, zero-padded. */
function packStrided(b: usize, rowStride: i32, colStride: i32, kc: i32, from: i32, to: i32, out: usize): void {
  for (let q = from; q < to; q += PANEL_WIDTH) {
    for (let p = 0; p < kc; p++) {
      for (let j = 0; j < PANEL_WIDTH; j++) {
        const column = q + j;
        const value = column < to ? load<f32>(b + (<usize>(p * rowStride + column * colStride) << 2)) : f32(0);
        store<f32>(out, value);
        out += 4;
      }
    }
  }
}
