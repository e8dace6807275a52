/*
 * The sliding-window kernels of convolution and pooling over float32 [planes, height, width]
 * inputs, one call per range of planes (a thread's share). The windows along each axis are
 * (kernel, stride, dilation, padBefore, outSize), as in the host's WindowAxis; tap k of window o
 * reads position o * stride - padBefore + k * dilation, which may fall outside the plane.
 */

/** The geometry of one call, read once from the arguments into globals so the loops stay readable. */
let height: i32 = 0;
let width: i32 = 0;
let kernelH: i32 = 0;
let kernelW: i32 = 0;
let strideH: i32 = 0;
let strideW: i32 = 0;
let dilationH: i32 = 0;
let dilationW: i32 = 0;
let padH: i32 = 0;
let padW: i32 = 0;
let outH: i32 = 0;
let outW: i32 = 0;

function setGeometry(h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32, oh: i32, ow: i32): void {
  height = h;
  width = w;
  kernelH = kh;
  kernelW = kw;
  strideH = sh;
  strideW = sw;
  dilationH = dh;
  dilationW = dw;
  padH = ph;
  padW = pw;
  outH = oh;
  outW = ow;
}

/** The first window whose tap (along width) at `offset` = kw * dilation - pad reads inside, and the end of those windows. */
function firstInside(offset: i32): i32 {
  // o * strideW + offset >= 0  ⇔  o >= ceil(-offset / strideW)
  return offset >= 0 ? 0 : (-offset + strideW - 1) / strideW;
}

function endInside(offset: i32): i32 {
  // o * strideW + offset <= width - 1
  const last = width - 1 - offset;
  return last < 0 ? 0 : min(outW, last / strideW + 1);
}

/**
 * cols[plane][tap][window] = x[plane][position read], 0 outside: one output row of windows per
 * (tap, window row), copied whole when the stride is 1.
 */
export function im2colF32(x: usize, cols: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32, oh: i32, ow: i32): void {
  setGeometry(h, w, kh, kw, sh, sw, dh, dw, ph, pw, oh, ow);
  const planeBytes = <usize>(height * width) << 2;
  const rowBytes = <usize>outW << 2;
  const columnBytes = <usize>(kernelH * kernelW * outH) * rowBytes;
  for (let p = 0; p < planes; p++) {
    const source = x + <usize>p * planeBytes;
    let target = cols + <usize>p * columnBytes;
    for (let i = 0; i < kernelH; i++) {
      for (let j = 0; j < kernelW; j++) {
        const offsetW = j * dilationW - padW;
        const start = firstInside(offsetW);
        const end = max(start, endInside(offsetW));
        for (let r = 0; r < outH; r++, target += rowBytes) {
          const ih = r * strideH - padH + i * dilationH;
          if (ih < 0 || ih >= height || start == end) {
            memory.fill(target, 0, rowBytes);
            continue;
          }
          const row = source + (<usize>(ih * width) << 2);
          for (let c = 0; c < start; c++) store<f32>(target + (<usize>c << 2), 0);
          if (strideW == 1) {
            copyRun(target + (<usize>start << 2), row + (<usize>(start + offsetW) << 2), end - start);
          } else {
            for (let c = start; c < end; c++) store<f32>(target + (<usize>c << 2), load<f32>(row + (<usize>(c * strideW + offsetW) << 2)));
          }
          for (let c = end; c < outW; c++) store<f32>(target + (<usize>c << 2), 0);
        }
      }
    }
  }
}

/** dst[c] = src[c] for c < n: rows of a few dozen floats, where memory.copy's call costs more than the copy. */
function copyRun(dst: usize, src: usize, n: i32): void {
  const vectorEnd = <usize>(n & ~3) << 2;
  let b: usize = 0;
  for (; b < vectorEnd; b += 16) v128.store(dst + b, v128.load(src + b));
  const end = <usize>n << 2;
  for (; b < end; b += 4) store<f32>(dst + b, load<f32>(src + b));
}

/** dst[c] += src[c] for c < n. */
function addRun(dst: usize, src: usize, n: i32): void {
  const vectorEnd = <usize>(n & ~3) << 2;
  let b: usize = 0;
  for (; b < vectorEnd; b += 16) v128.store(dst + b, f32x4.add(v128.load(dst + b), v128.load(src + b)));
  const end = <usize>n << 2;
  for (; b < end; b += 4) store<f32>(dst + b, load<f32>(dst + b) + load<f32>(src + b));
}

/** x[plane][position] = Σ of the column entries read from it (col2im, im2col's adjoint), taps in the same order as the cpu kernel. */
export function col2imF32(cols: usize, x: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32, oh: i32, ow: i32): void {
  setGeometry(h, w, kh, kw, sh, sw, dh, dw, ph, pw, oh, ow);
  const planeBytes = <usize>(height * width) << 2;
  const rowBytes = <usize>outW << 2;
  const columnBytes = <usize>(kernelH * kernelW * outH) * rowBytes;
  for (let p = 0; p < planes; p++) {
    const target = x + <usize>p * planeBytes;
    let source = cols + <usize>p * columnBytes;
    memory.fill(target, 0, planeBytes);
    for (let i = 0; i < kernelH; i++) {
      for (let j = 0; j < kernelW; j++) {
        const offsetW = j * dilationW - padW;
        const start = firstInside(offsetW);
        const end = max(start, endInside(offsetW));
        for (let r = 0; r < outH; r++, source += rowBytes) {
          const ih = r * strideH - padH + i * dilationH;
          if (ih < 0 || ih >= height) continue;
          const row = target + (<usize>(ih * width) << 2);
          if (strideW == 1) {
            addRun(row + (<usize>(start + offsetW) << 2), source + (<usize>start << 2), end - start);
          } else {
            for (let c = start; c < end; c++) {
              const at = row + (<usize>(c * strideW + offsetW) << 2);
              store<f32>(at, load<f32>(at) + load<f32>(source + (<usize>c << 2)));
            }
          }
        }
      }
    }
  }
}

/**
 * The position in its plane of window (r, c)'s maximum as PyTorch picks it: the first largest
 * entry, or the last NaN; a window that reads only padding keeps its first position inside, and
 * one that reads nothing inside gives -1.
 */
function windowMax(plane: usize, r: i32, c: i32): i32 {
  let best = -1;
  let bestValue: f32 = 0;
  for (let i = 0; i < kernelH; i++) {
    const ih = r * strideH - padH + i * dilationH;
    if (ih < 0 || ih >= height) continue;
    for (let j = 0; j < kernelW; j++) {
      const iw = c * strideW - padW + j * dilationW;
      if (iw < 0 || iw >= width) continue;
      const position = ih * width + iw;
      const value = load<f32>(plane + (<usize>position << 2));
      if (best == -1 || value > bestValue || value != value) {
        best = position;
        bestValue = value;
      }
    }
  }
  return best;
}

/** Whether the windows are 2×2 with stride 2 and nothing else (max_pool2d(2)): disjoint pairs of rows and columns. */
function isPairPool(): bool {
  return kernelH == 2 && kernelW == 2 && strideH == 2 && strideW == 2 && dilationH == 1 && dilationW == 1 && padH == 0 && padW == 0;
}

/** The lanes where `v`, visited after the current maximum `m`, replaces it: larger, or NaN (PyTorch's rule). */
function replaces(m: v128, v: v128): v128 {
  return v128.or(f32x4.gt(v, m), f32x4.ne(v, v));
}

/** Four 2×2 windows' taps from rows `a` and `b` (8 floats each), in PyTorch's visiting order. */
function evens(v0: v128, v1: v128): v128 {
  return v128.shuffle<f32>(v0, v1, 0, 2, 4, 6);
}

function odds(v0: v128, v1: v128): v128 {
  return v128.shuffle<f32>(v0, v1, 1, 3, 5, 7);
}

/** Which of the taps after the first replaced the maximum in pairMaxima's last call (lane masks). */
let byAo: v128 = i32x4(0, 0, 0, 0);
let byBe: v128 = i32x4(0, 0, 0, 0);
let byBo: v128 = i32x4(0, 0, 0, 0);

/**
 * The maxima of four 2×2 windows whose rows start at `a` and `b` (8 floats each from byte `at`),
 * visiting each window's taps in PyTorch's order; which tap replaced the maximum is left in
 * byAo, byBe and byBo.
 */
function pairMaxima(a: usize, b: usize, at: usize): v128 {
  const a0 = v128.load(a + at);
  const a1 = v128.load(a + at + 16);
  const b0 = v128.load(b + at);
  const b1 = v128.load(b + at + 16);
  let m = evens(a0, a1);
  const ao = odds(a0, a1);
  byAo = replaces(m, ao);
  m = v128.bitselect(ao, m, byAo);
  const be = evens(b0, b1);
  byBe = replaces(m, be);
  m = v128.bitselect(be, m, byBe);
  const bo = odds(b0, b1);
  byBo = replaces(m, bo);
  return v128.bitselect(bo, m, byBo);
}

/** The windows of one plane, four at a time along each pair of rows; the last windows of a row one by one. */
function maxPoolPairs(plane: usize, target: usize): void {
  const rowBytes = <usize>width << 2;
  const vectorEnd = outW & ~3;
  for (let r = 0; r < outH; r++) {
    const a = plane + <usize>(2 * r) * rowBytes;
    const row = target + (<usize>(r * outW) << 2);
    let c = 0;
    for (; c < vectorEnd; c += 4) v128.store(row + (<usize>c << 2), pairMaxima(a, a + rowBytes, <usize>c << 3));
    for (; c < outW; c++) store<f32>(row + (<usize>c << 2), load<f32>(plane + (<usize>windowMax(plane, r, c) << 2)));
  }
}

/** maxPoolPairs's gradient: each window's gradient written at its maximum (the windows are disjoint, so nothing adds up). */
function maxPoolPairsGrad(plane: usize, grad: usize, target: usize): void {
  const rowBytes = <usize>width << 2;
  const vectorEnd = outW & ~3;
  for (let r = 0; r < outH; r++) {
    const a = plane + <usize>(2 * r) * rowBytes;
    const da = target + <usize>(2 * r) * rowBytes;
    const db = da + rowBytes;
    const g = grad + (<usize>(r * outW) << 2);
    let c = 0;
    for (; c < vectorEnd; c += 4) {
      const at = <usize>c << 3;
      pairMaxima(a, a + rowBytes, at);
      // The last replacement wins: bo, else be, else ao, else the first tap.
      const toBe = v128.andnot(byBe, byBo);
      const toAo = v128.andnot(v128.andnot(byAo, byBe), byBo);
      const toAe = v128.not(v128.or(v128.or(byAo, byBe), byBo));
      const values = v128.load(g + (<usize>c << 2));
      const ge = v128.and(values, toAe);
      const go = v128.and(values, toAo);
      const he = v128.and(values, toBe);
      const ho = v128.and(values, byBo);
      v128.store(da + at, v128.shuffle<f32>(ge, go, 0, 4, 1, 5));
      v128.store(da + at + 16, v128.shuffle<f32>(ge, go, 2, 6, 3, 7));
      v128.store(db + at, v128.shuffle<f32>(he, ho, 0, 4, 1, 5));
      v128.store(db + at + 16, v128.shuffle<f32>(he, ho, 2, 6, 3, 7));
    }
    for (; c < outW; c++) {
      const best = windowMax(plane, r, c);
      store<f32>(target + (<usize>best << 2), load<f32>(g + (<usize>c << 2)));
    }
  }
}

/** out[plane][window] = the maximum of that window of x[plane] (-∞ for a window with no position inside). */
export function maxPoolF32(x: usize, out: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32, oh: i32, ow: i32): void {
  setGeometry(h, w, kh, kw, sh, sw, dh, dw, ph, pw, oh, ow);
  const planeBytes = <usize>(height * width) << 2;
  const outBytes = <usize>(outH * outW) << 2;
  const pairs = isPairPool();
  for (let p = 0; p < planes; p++) {
    const plane = x + <usize>p * planeBytes;
    let target = out + <usize>p * outBytes;
    if (pairs) {
      maxPoolPairs(plane, target);
      continue;
    }
    for (let r = 0; r < outH; r++) {
      for (let c = 0; c < outW; c++, target += 4) {
        const best = windowMax(plane, r, c);
        store<f32>(target, best == -1 ? -Infinity : load<f32>(plane + (<usize>best << 2)));
      }
    }
  }
}

/** dx[plane] = zeros plus each grad[plane][window] at that window's maximum in x[plane]. */
export function maxPoolGradF32(x: usize, grad: usize, dx: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32, oh: i32, ow: i32): void {
  setGeometry(h, w, kh, kw, sh, sw, dh, dw, ph, pw, oh, ow);
  const planeBytes = <usize>(height * width) << 2;
  const gradBytes = <usize>(outH * outW) << 2;
  const pairs = isPairPool();
  for (let p = 0; p < planes; p++) {
    const plane = x + <usize>p * planeBytes;
    const target = dx + <usize>p * planeBytes;
    let source = grad + <usize>p * gradBytes;
    memory.fill(target, 0, planeBytes);
    if (pairs) {
      maxPoolPairsGrad(plane, source, target);
      continue;
    }
    for (let r = 0; r < outH; r++) {
      for (let c = 0; c < outW; c++, source += 4) {
        const best = windowMax(plane, r, c);
        if (best == -1) continue;
        const at = target + (<usize>best << 2);
        store<f32>(at, load<f32>(at) + load<f32>(source));
      }
    }
  }
}
