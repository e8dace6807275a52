export type Shape = readonly number[];

export function shapeSize(shape: Shape): number {
  let size = 1;
  for (const extent of shape) size *= extent;
  return size;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d] as number;
  }
  return strides;
}

export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const extent = shape[d] as number;
    if (extent !== 1 && strides[d] !== expected) return false;
    expected *= extent;
  }
  return true;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((extent, d) => extent === b[d]);
}

/** NumPy/PyTorch broadcasting: align trailing dims; each pair must match or contain a 1. */
export function broadcastShapes(a: Shape, b: Shape, opName: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const ea = a[a.length - rank + i] ?? 1;
    const eb = b[b.length - rank + i] ?? 1;
    if (ea !== eb && ea !== 1 && eb !== 1) {
      throw new Error(
        `${opName}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together ` +
          `(dim ${i - rank}: ${ea} vs ${eb}); sizes must match or one of them must be 1`,
      );
    }
    out[i] = ea === 1 ? eb : ea;
  }
  return out;
}

/** Turns a possibly negative dim into an index in [0, rank), or explains why it is out of range. */
export function normalizeDim(dim: number, rank: number, opName: string): number {
  const range = rank === 0 ? 1 : rank;
  if (!Number.isInteger(dim) || dim < -range || dim >= range) {
    throw new RangeError(
      `${opName}: dim ${dim} is out of range for a tensor of rank ${rank} ` +
        `(expected an integer in [${-range}, ${range - 1}])`,
    );
  }
  return dim < 0 ? dim + range : dim;
}

export function normalizeDims(dims: number | readonly number[] | undefined, rank: number, opName: string): number[] {
  if (dims === undefined) return Array.from({ length: rank }, (_, d) => d);
  const list = typeof dims === 'number' ? [dims] : dims;
  const normalized = list.map((dim) => normalizeDim(dim, rank, opName));
  if (new Set(normalized).size !== normalized.length) {
    throw new Error(`${opName}: dim ${formatShape(list)} names the same dimension twice`);
  }
  return normalized.sort((x, y) => x - y);
}
