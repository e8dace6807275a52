import type { View, Windows2d } from '@kindling/tensor';
import type { Program } from '../program.js';
import { decodeIndex, elementMain, FLOAT_HELPERS, storageBindings, uniformBlock, word } from './wgsl.js';

/*
 * The sliding-window kernels (im2col, col2im, max pooling and its gradient) on float32 [N, C, …]
 * views read through their strides, one thread per output element, without atomics: col2im and
 * the pooling gradient gather, for each input position, the windows that read it. Each sums in
 * the cpu kernel's order, so results match it bit for bit.
 *
 * Uniform words: 0 the output size; 1–4 the output shape; 5–16 the geometry (H, W, then kernel,
 * stride, dilation, padding and window count along the height and the width); 17–21 the first
 * input's offset and strides; 22–26 the second input's.
 */

export type WindowsKind = 'im2col' | 'col2im' | 'maxPool' | 'maxPoolGrad';

const INPUT_WORDS = 17;
const GEOMETRY = ['H', 'W', 'KH', 'KW', 'SH', 'SW', 'DH', 'DW', 'PH', 'PW', 'OH', 'OW'] as const;

/** The geometry as i32 constants named as in GEOMETRY (positions may be negative). */
function geometryLets(): string {
  return GEOMETRY.map((name, k) => `  let ${name} = i32(${word(5 + k)});`).join('\n') + '\n';
}

/** Reads element (n, c, h, w) of input `which` (0 or 1) through its offset and strides. */
function reader(name: string, which: number): string {
  const base = INPUT_WORDS + 5 * which;
  return `fn read_${name}(n: u32, c: u32, h: i32, w: i32) -> f32 {
  return ${name}[${word(base)} + n * ${word(base + 1)} + c * ${word(base + 2)} + u32(h) * ${word(base + 3)} + u32(w) * ${word(base + 4)}];
}
`;
}

/** The position (h·W + w) of window (oh, ow)'s maximum as PyTorch picks it (first largest, last NaN), or -1 when it reads nothing inside. */
const WINDOW_MAX = `
fn window_max(n: u32, c: u32, oh: i32, ow: i32) -> i32 {
${geometryLets()}  var best = -1;
  var best_value = 0.0;
  for (var kh = 0; kh < KH; kh++) {
    let h = oh * SH - PH + kh * DH;
    if (h < 0 || h >= H) { continue; }
    for (var kw = 0; kw < KW; kw++) {
      let w = ow * SW - PW + kw * DW;
      if (w < 0 || w >= W) { continue; }
      let value = read_x(n, c, h, w);
      if (best == -1 || value > best_value || is_nan(value)) {
        best = h * W + w;
        best_value = value;
      }
    }
  }
  return best;
}
`;

const BODIES: Record<WindowsKind, string> = {
  im2col: `  let kh = i32(c2) / KW;
  let kw = i32(c2) % KW;
  let h = (i32(c3) / OW) * SH - PH + kh * DH;
  let w = (i32(c3) % OW) * SW - PW + kw * DW;
  var value = 0.0;
  if (h >= 0 && h < H && w >= 0 && w < W) { value = read_x(c0, c1, h, w); }
  out0[i] = value;
`,
  col2im: `  var sum = 0.0;
  for (var kh = 0; kh < KH; kh++) {
    let th = i32(c2) + PH - kh * DH;
    if (th < 0 || th % SH != 0 || th / SH >= OH) { continue; }
    for (var kw = 0; kw < KW; kw++) {
      let tw = i32(c3) + PW - kw * DW;
      if (tw < 0 || tw % SW != 0 || tw / SW >= OW) { continue; }
      sum = sum + read_x(c0, c1, kh * KW + kw, (th / SH) * OW + tw / SW);
    }
  }
  out0[i] = sum;
`,
  maxPool: `  let best = window_max(c0, c1, i32(c2), i32(c3));
  if (best == -1) {
    out0[i] = -inf();
  } else {
    out0[i] = read_x(c0, c1, best / W, best % W);
  }
`,
  // Windows visited in increasing (oh, ow), the order in which the cpu kernel adds their gradients.
  maxPoolGrad: `  let position = i32(c2) * W + i32(c3);
  var sum = 0.0;
  for (var kh = KH - 1; kh >= 0; kh--) {
    let th = i32(c2) + PH - kh * DH;
    if (th < 0 || th % SH != 0 || th / SH >= OH) { continue; }
    for (var kw = KW - 1; kw >= 0; kw--) {
      let tw = i32(c3) + PW - kw * DW;
      if (tw < 0 || tw % SW != 0 || tw / SW >= OW) { continue; }
      if (window_max(c0, c1, th / SH, tw / SW) == position) { sum = sum + read_grad(c0, c1, th / SH, tw / SW); }
    }
  }
  out0[i] = sum;
`,
};

export class WindowsProgram implements Program {
  readonly key: string;
  readonly inputs: number;
  readonly outputs = 1;
  readonly uniformWords = INPUT_WORDS + 10;

  constructor(private readonly kind: WindowsKind) {
    this.key = `windows|${kind}`;
    this.inputs = kind === 'maxPoolGrad' ? 2 : 1;
  }

  code(): string {
    const inputs: [string, string][] = this.kind === 'maxPoolGrad' ? [['x', 'f32'], ['grad', 'f32']] : [['x', 'f32']];
    const helpers = this.kind === 'maxPool' || this.kind === 'maxPoolGrad' ? WINDOW_MAX : '';
    return `${storageBindings(inputs, [['out0', 'f32']])}${uniformBlock(inputs.length + 1, this.uniformWords)}${FLOAT_HELPERS}
${inputs.map(([name], which) => reader(name, which)).join('')}${helpers}
${elementMain(word(0))}${decodeIndex('i', 4, 1)}${geometryLets()}${BODIES[this.kind]}}
`;
  }

  /** The uniforms for an output of `outShape` over the [N, C, H, W] input `height` × `width`, reading `views`. */
  uniforms(outShape: readonly number[], windows: Windows2d, height: number, width: number, views: readonly View[]): Uint32Array {
    const words = new Uint32Array(this.uniformWords);
    words[0] = outShape.reduce((a, b) => a * b, 1);
    words.set(outShape, 1);
    const { height: rows, width: cols } = windows;
    words.set([height, width, rows.kernel, cols.kernel, rows.stride, cols.stride, rows.dilation, cols.dilation, rows.padBefore, cols.padBefore, rows.outSize, cols.outSize], 5);
    views.forEach((view, which) => words.set([view.offset, ...view.strides], INPUT_WORDS + 5 * which));
    return words;
  }
}
