import { contiguousStrides, formatShape, normalizeDim, shapeSize, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertValidShape } from './creation.js';
import { assertFitsBackend, commonBackend, runToTensor } from './support.js';

/*
 * Views reinterpret a tensor's storage with new shape, strides and offset: no data moves, and
 * writes to one would be visible through the others (as PyTorch's views).
 */

/** Accepts both `t.reshape(2, 3)` and `t.reshape([2, 3])`. */
export function shapeArgs(args: number[] | [readonly number[]]): number[] {
  const first = args[0];
  return Array.isArray(first) ? [...(first as readonly number[])] : (args as number[]);
}

function makeView(t: Tensor, shape: Shape, strides: readonly number[], offset = t.offset): Tensor {
  commonBackend('view', [t]);
  return new Tensor(t.backend, t.storage, shape, t.dtype, strides, offset);
}

/** Resolves one `-1` in a requested shape from the element count. */
function inferShape(t: Tensor, requested: readonly number[], opName: string): number[] {
  const unknown = requested.indexOf(-1);
  if (requested.lastIndexOf(-1) !== unknown) throw new Error(`${opName}: only one dimension can be -1, got ${formatShape(requested)}`);
  const shape = [...requested];
  if (unknown >= 0) {
    const known = shapeSize(requested.filter((_, d) => d !== unknown));
    if (known === 0 || t.numel() % known !== 0) {
      throw new Error(`${opName}: shape ${formatShape(requested)} is invalid for a tensor of shape ${formatShape(t.shape)} (${t.numel()} elements)`);
    }
    shape[unknown] = t.numel() / known;
  }
  assertValidShape(shape, opName);
  if (shapeSize(shape) !== t.numel()) {
    throw new Error(`${opName}: shape ${formatShape(requested)} is invalid for a tensor of shape ${formatShape(t.shape)} (${t.numel()} elements)`);
  }
  return shape;
}

/**
 * Strides that read `t` in `shape` without a copy, or undefined when its layout does not allow it.
 * PyTorch's rule: walking old dims from the last, each maximal run of dims that are contiguous with
 * each other ("a chunk") must be split exactly by a run of new dims.
 */
function viewStrides(t: Tensor, shape: readonly number[]): number[] | undefined {
  if (t.ndim === 0 || t.numel() === 0) return contiguousStrides(shape);
  const strides = new Array<number>(shape.length).fill(1);
  let newDim = shape.length - 1;
  let chunkBaseStride = t.strides[t.ndim - 1] as number;
  let chunkSize = 1;
  let viewSize = 1;
  for (let oldDim = t.ndim - 1; oldDim >= 0; oldDim--) {
    chunkSize *= t.shape[oldDim] as number;
    const chunkEnds = oldDim === 0 || (t.shape[oldDim - 1] !== 1 && t.strides[oldDim - 1] !== chunkSize * chunkBaseStride);
    if (!chunkEnds) continue;
    while (newDim >= 0 && (viewSize < chunkSize || shape[newDim] === 1)) {
      strides[newDim] = viewSize * chunkBaseStride;
      viewSize *= shape[newDim] as number;
      newDim--;
    }
    if (viewSize !== chunkSize) return undefined;
    if (oldDim > 0) {
      chunkBaseStride = t.strides[oldDim - 1] as number;
      chunkSize = 1;
      viewSize = 1;
    }
  }
  return newDim === -1 ? strides : undefined;
}

/** The same elements in `shape` (one dim may be -1), sharing storage; fails where that needs a copy. */
export function view(t: Tensor, requested: readonly number[]): Tensor {
  const shape = inferShape(t, requested, 'view');
  const strides = viewStrides(t, shape);
  if (!strides) {
    throw new Error(
      `view: a tensor of shape ${formatShape(t.shape)} and strides ${formatShape(t.strides)} cannot be viewed as ${formatShape(shape)} without a copy; use reshape(), or contiguous() first`,
    );
  }
  return makeView(t, shape, strides);
}

/** Like `view`, but copies when the layout requires it (as torch.reshape). */
export function reshape(t: Tensor, requested: readonly number[]): Tensor {
  const shape = inferShape(t, requested, 'reshape');
  const strides = viewStrides(t, shape);
  if (strides) return makeView(t, shape, strides);
  const copy = clone(t);
  const result = makeView(copy, shape, viewStrides(copy, shape) as number[]);
  copy.dispose();
  return result;
}

export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor {
  if (t.ndim === 0) return reshape(t, [1]);
  const start = normalizeDim(startDim, t.ndim, 'flatten');
  const end = normalizeDim(endDim, t.ndim, 'flatten');
  if (start > end) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim} for a tensor of rank ${t.ndim}`);
  const merged = shapeSize(t.shape.slice(start, end + 1));
  return reshape(t, [...t.shape.slice(0, start), merged, ...t.shape.slice(end + 1)]);
}

export function permute(t: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== t.ndim) {
    throw new Error(`permute: got ${dims.length} dims ${formatShape(dims)} for a tensor of rank ${t.ndim} (shape ${formatShape(t.shape)})`);
  }
  const order = dims.map((d) => normalizeDim(d, t.ndim, 'permute'));
  if (new Set(order).size !== order.length) throw new Error(`permute: dims ${formatShape(dims)} repeat a dimension`);
  return makeView(
    t,
    order.map((d) => t.shape[d] as number),
    order.map((d) => t.strides[d] as number),
  );
}

export function transpose(t: Tensor, dim0: number, dim1: number): Tensor {
  if (t.ndim < 2 && dim0 === -2 && dim1 === -1) return makeView(t, t.shape, t.strides);
  const a = normalizeDim(dim0, t.ndim, 'transpose');
  const b = normalizeDim(dim1, t.ndim, 'transpose');
  const order = t.shape.map((_, d) => (d === a ? b : d === b ? a : d));
  return permute(t, order);
}

export function matrixTranspose(t: Tensor): Tensor {
  if (t.ndim > 2) throw new Error(`T: expects a tensor of rank ≤ 2, got shape ${formatShape(t.shape)}; use transpose(dim0, dim1) or permute`);
  return t.ndim < 2 ? makeView(t, t.shape, t.strides) : permute(t, [1, 0]);
}

export function squeeze(t: Tensor, dim?: number): Tensor {
  const drop = dim === undefined ? t.shape.map((extent) => extent === 1) : t.shape.map((extent, d) => d === normalizeDim(dim, t.ndim, 'squeeze') && extent === 1);
  return makeView(
    t,
    t.shape.filter((_, d) => !drop[d]),
    t.strides.filter((_, d) => !drop[d]),
  );
}

export function unsqueeze(t: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, t.ndim + 1, 'unsqueeze');
  const shape = [...t.shape];
  const strides = [...t.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < t.ndim ? (t.strides[d] as number) * (t.shape[d] as number) : 1);
  return makeView(t, shape, strides);
}

/** Broadcasts size-1 dims to `shape` without copying (-1 keeps a size); new dims go in front. */
export function expand(t: Tensor, requested: Shape): Tensor {
  const lead = requested.length - t.ndim;
  if (lead < 0) throw new Error(`expand: cannot expand shape ${formatShape(t.shape)} to fewer dims ${formatShape(requested)}`);
  const shape = requested.map((extent, d) => (extent === -1 && d >= lead ? (t.shape[d - lead] as number) : extent));
  const strides = shape.map((extent, d) => {
    if (d < lead) return 0;
    const own = t.shape[d - lead] as number;
    if (own === extent) return t.strides[d - lead] as number;
    if (own === 1) return 0;
    throw new Error(`expand: cannot expand shape ${formatShape(t.shape)} to ${formatShape(requested)} (dim ${d}: ${own} is not 1)`);
  });
  assertValidShape(shape, 'expand');
  // The view allocates nothing, but every kernel that reads it indexes all of its elements.
  assertFitsBackend(t.backend, shape, t.dtype, 'expand');
  return makeView(t, shape, strides);
}

/** `length` entries of `dim` starting at `start` (negative counts from the end), as torch.narrow. */
export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, t.ndim, 'narrow');
  const extent = t.shape[d] as number;
  const from = start < 0 ? start + extent : start;
  if (!Number.isInteger(from) || !Number.isInteger(length) || from < 0 || length < 0 || from + length > extent) {
    throw new RangeError(`narrow: start ${start} and length ${length} do not fit dim ${dim} of size ${extent} (shape ${formatShape(t.shape)})`);
  }
  return slice(t, dim, from, from + length);
}

/**
 * The `[start, length]` of each piece of `split` along a dim of `extent`: pieces of `splitSize`
 * (the last one smaller), or of the listed `sections`, which must add up to `extent`.
 */
export function splitRanges(extent: number, sizeOrSections: number | readonly number[], opName: string): [number, number][] {
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) throw new RangeError(`${opName}: the split size must be a positive integer, got ${sizeOrSections}`);
    const ranges: [number, number][] = [];
    for (let start = 0; start < extent; start += sizeOrSections) ranges.push([start, Math.min(sizeOrSections, extent - start)]);
    return ranges.length > 0 ? ranges : [[0, 0]];
  }
  const total = sizeOrSections.reduce((a, b) => a + b, 0);
  if (sizeOrSections.some((size) => !Number.isInteger(size) || size < 0) || total !== extent) {
    throw new RangeError(`${opName}: the sections [${sizeOrSections.join(', ')}] must be non-negative integers adding up to the dim's size ${extent}`);
  }
  let start = 0;
  return sizeOrSections.map((size) => {
    const range: [number, number] = [start, size];
    start += size;
    return range;
  });
}

/** The split size that gives at most `chunks` equal pieces (the last one smaller), as torch.chunk. */
export function chunkSize(extent: number, chunks: number): number {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: the number of chunks must be a positive integer, got ${chunks}`);
  return Math.max(1, Math.ceil(extent / chunks));
}

/** torch.split: views of `t` along `dim`, of `splitSize` each (the last smaller) or of the listed sizes. */
export function split(t: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim(dim, t.ndim, 'split');
  return splitRanges(t.shape[d] as number, sizeOrSections, 'split').map(([start, length]) => narrow(t, d, start, length));
}

/** torch.chunk: at most `chunks` views of `t` along `dim`, of equal size but the last. */
export function chunk(t: Tensor, chunks: number, dim = 0): Tensor[] {
  const d = normalizeDim(dim, t.ndim, 'chunk');
  return split(t, chunkSize(t.shape[d] as number, chunks), d);
}

/** Python's `t[..., start:end:step, ...]` along `dim`; indices clamp like Python slices. */
export function slice(t: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  const d = normalizeDim(dim, t.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  const extent = t.shape[d] as number;
  const clampIndex = (i: number): number => Math.min(Math.max(i < 0 ? i + extent : i, 0), extent);
  const from = clampIndex(start);
  const to = Math.max(from, clampIndex(end ?? extent));
  const shape = [...t.shape];
  const strides = [...t.strides];
  shape[d] = Math.ceil((to - from) / step);
  strides[d] = (t.strides[d] as number) * step;
  return makeView(t, shape, strides, t.offset + from * (t.strides[d] as number));
}

/** Entry `index` of `dim`, with that dim removed. */
export function select(t: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim(dim, t.ndim, 'select');
  const extent = t.shape[d] as number;
  if (!Number.isInteger(index) || index < -extent || index >= extent) {
    throw new RangeError(`select: index ${index} is out of range for dim ${dim} of size ${extent} (shape ${formatShape(t.shape)})`);
  }
  const picked = slice(t, d, index < 0 ? index + extent : index, (index < 0 ? index + extent : index) + 1);
  const result = squeeze(picked, d);
  picked.dispose();
  return result;
}

export function clone(t: Tensor): Tensor {
  commonBackend('clone', [t]);
  return runToTensor('Contiguous', t.backend, { x: t }, t.shape, t.dtype);
}

export function contiguous(t: Tensor): Tensor {
  return t.isContiguous() ? t : clone(t);
}
