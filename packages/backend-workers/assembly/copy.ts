/*
 * Strided-to-contiguous copies of 4-byte elements (float32 or int32: copies move bits). The host
 * walks any leading dims and calls this once per trailing 2-D matrix.
 */

/**
 * dst[i * cols + j] = src[i * rowStride + j * colStride] for a [rows, cols] matrix. Row-contiguous
 * sources copy row by row; transposed ones (rowStride 1, as a gradient of xᵀ) go through 4×4
 * register transposes; anything else one element at a time.
 */
export function copy2d32(src: usize, rowStride: i32, colStride: i32, dst: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  if (colStride == 1) {
    for (let i = 0; i < rows; i++) memory.copy(dst + <usize>i * rowBytes, src + (<usize>(i * rowStride) << 2), rowBytes);
    return;
  }
  let fullRows = 0;
  if (rowStride == 1) {
    fullRows = rows & ~3;
    transposeBlocks(src, colStride, dst, fullRows, cols);
  }
  for (let i = fullRows; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      store<u32>(dst + <usize>i * rowBytes + (<usize>j << 2), load<u32>(src + (<usize>(i * rowStride + j * colStride) << 2)));
    }
  }
}

/** Source rows (output columns) per tile: 16 floats, so each cache line read or written is used whole. */
const TILE = 16;

/**
 * The first `rows` (a multiple of 4) rows of a transposed source, with rowStride 1. Tiles of 16
 * output columns keep the 16 source lines they read in L1 while all rows sweep past them; without
 * the tiling, a power-of-two stride (a 512-wide matrix) thrashed the cache at a quarter the speed.
 */
function transposeBlocks(src: usize, colStride: i32, dst: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  const columnBytes = <usize>colStride << 2;
  const fullCols = cols & ~3;
  for (let j0 = 0; j0 < fullCols; j0 += TILE) {
    const jEnd = min(fullCols, j0 + TILE);
    for (let i = 0; i < rows; i += 4) {
      const target = dst + <usize>i * rowBytes;
      for (let j = j0; j < jEnd; j += 4) {
        const s0 = src + (<usize>i << 2) + <usize>j * columnBytes;
        const r0 = v128.load(s0);
        const r1 = v128.load(s0 + columnBytes);
        const r2 = v128.load(s0 + 2 * columnBytes);
        const r3 = v128.load(s0 + 3 * columnBytes);
        const lo01 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
        const lo23 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
        const hi01 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
        const hi23 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
        const t = target + (<usize>j << 2);
        v128.store(t, v128.shuffle<i64>(lo01, lo23, 0, 2));
        v128.store(t + rowBytes, v128.shuffle<i64>(lo01, lo23, 1, 3));
        v128.store(t + 2 * rowBytes, v128.shuffle<i64>(hi01, hi23, 0, 2));
        v128.store(t + 3 * rowBytes, v128.shuffle<i64>(hi01, hi23, 1, 3));
      }
    }
  }
  for (let j = fullCols; j < cols; j++) {
    const column = src + <usize>j * columnBytes;
    for (let i = 0; i < rows; i++) store<u32>(dst + <usize>i * rowBytes + (<usize>j << 2), load<u32>(column + (<usize>i << 2)));
  }
}
