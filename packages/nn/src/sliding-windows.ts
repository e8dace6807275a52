import { cat, im2col, type Variable } from '@kindling/autograd';
import { formatShape, full, tensor, type WindowAxis, type Windows2d } from '@kindling/tensor';

/*
 * im2col for convolution and pooling. Zero padding, the common case, is the Im2Col kernel of each
 * backend (its gradient the Col2Im kernel). The other padding modes read the input reflected,
 * replicated or wrapped around: there the windows are one `indexSelect` of the flattened H·W
 * positions (plus one extra position holding a zero), at indices computed here on the host from
 * the shapes alone, and the gradient is that indexSelect's rule.
 */

/** How a convolution fills positions outside the input, as PyTorch's `padding_mode`. */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** The padding of each side of a spatial axis: PyTorch pads asymmetrically only for 'same'. */
export interface AxisPadding {
  readonly before: number;
  readonly after: number;
}

/** A number or one per spatial axis, as PyTorch's `int or tuple` arguments. */
export type Size2d = number | readonly [number, number];

/** `value` as one entry per spatial axis, checked to be an integer of at least `min`. */
export function perAxis(value: number | readonly number[], axes: number, name: string, opName: string, min: number): number[] {
  const list = typeof value === 'number' ? new Array<number>(axes).fill(value) : [...value];
  if (list.length !== axes || list.some((v) => !Number.isInteger(v) || v < min)) {
    const expected = axes === 1 ? 'an integer' : `an integer or ${axes} integers`;
    throw new RangeError(`${opName}: ${name} must be ${expected} of at least ${min}, got ${JSON.stringify(value)}`);
  }
  return list;
}

/**
 * The number of windows along an axis of `extent` positions, as PyTorch computes it; with
 * `ceilMode` a last partial window counts, unless it would start in the right padding.
 */
export function windowCount(extent: number, kernel: number, stride: number, dilation: number, padding: AxisPadding, ceilMode = false): number {
  const span = extent + padding.before + padding.after - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  let count = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (count - 1) * stride >= extent + padding.before) count -= 1;
  return count;
}

/** The input position a padded position reads, or -1 where it reads the padding value. */
function sourcePosition(position: number, extent: number, mode: PaddingMode): number {
  if (position >= 0 && position < extent) return position;
  if (mode === 'reflect') return position < 0 ? -position : 2 * (extent - 1) - position;
  if (mode === 'replicate') return Math.min(Math.max(position, 0), extent - 1);
  if (mode === 'circular') return ((position % extent) + extent) % extent;
  return -1;
}

/** For kernel tap k and window o (at [k · outSize + o]), the input position read along one axis. */
function axisSources(window: WindowAxis, extent: number, mode: PaddingMode): Int32Array {
  const sources = new Int32Array(window.kernel * window.outSize);
  for (let k = 0; k < window.kernel; k++) {
    for (let o = 0; o < window.outSize; o++) {
      const position = o * window.stride - window.padBefore + k * window.dilation;
      sources[k * window.outSize + o] = sourcePosition(position, extent, mode);
    }
  }
  return sources;
}

/**
 * Every window of `x` ([N, C, H, W]) as columns: [N, C, kH·kW, oH·oW], the kernel taps ordered as a
 * weight's [kH, kW] flattens. Positions outside the input read zeros ('zeros' mode) or the input
 * itself, reflected, replicated or wrapped around.
 */
export function unfold2d(x: Variable, windows: Windows2d, mode: PaddingMode): Variable {
  if (x.ndim !== 4) throw new Error(`unfold2d: expected a 4-D input [N, C, H, W], got ${formatShape(x.shape)}`);
  if (mode === 'zeros') return im2col(x, windows);
  const { height: rows, width: cols } = windows;
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const rowSources = axisSources(rows, h, mode);
  const colSources = axisSources(cols, w, mode);
  const outside = h * w;
  const positions = rows.outSize * cols.outSize;
  const index = new Int32Array(rows.kernel * cols.kernel * positions);
  let readsPadding = false;
  for (let kh = 0; kh < rows.kernel; kh++) {
    for (let kw = 0; kw < cols.kernel; kw++) {
      const base = (kh * cols.kernel + kw) * positions;
      for (let oh = 0; oh < rows.outSize; oh++) {
        const row = rowSources[kh * rows.outSize + oh] as number;
        for (let ow = 0; ow < cols.outSize; ow++) {
          const col = colSources[kw * cols.outSize + ow] as number;
          const inside = row >= 0 && col >= 0;
          readsPadding ||= !inside;
          index[base + oh * cols.outSize + ow] = inside ? row * w + col : outside;
        }
      }
    }
  }
  let flat = x.reshape([n, c, outside]);
  if (readsPadding) flat = cat([flat, full([n, c, 1], 0, { dtype: x.dtype, device: x.device })], 2);
  return flat.indexSelect(2, tensor(index, { dtype: 'int32', device: x.device })).reshape([n, c, rows.kernel * cols.kernel, positions]);
}
