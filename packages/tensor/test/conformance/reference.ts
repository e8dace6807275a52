/** Naive reference implementations over nested JS arrays, independent of any backend. */

export type Nested = number | Nested[];

export function shapeOf(value: Nested): number[] {
  const shape: number[] = [];
  let level = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0] as Nested;
  }
  return shape;
}

export function flat(value: Nested): number[] {
  return Array.isArray(value) ? value.flatMap(flat) : [value];
}

/** The element at `index` of a row-major array of `shape`, read as if broadcast to `outShape`. */
export function broadcastRead(values: readonly number[], shape: readonly number[], outShape: readonly number[], outIndex: readonly number[]): number {
  let offset = 0;
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const outD = d + outShape.length - shape.length;
    const extent = shape[d] as number;
    const i = extent === 1 ? 0 : (outIndex[outD] as number);
    offset += i * stride;
    stride *= extent;
  }
  return values[offset] as number;
}

export function unravel(flatIndex: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  let rest = flatIndex;
  for (let d = shape.length - 1; d >= 0; d--) {
    const extent = shape[d] as number;
    index[d] = rest % extent;
    rest = Math.floor(rest / extent);
  }
  return index;
}

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const ea = a[a.length - rank + i] ?? 1;
    const eb = b[b.length - rank + i] ?? 1;
    if (ea !== eb && ea !== 1 && eb !== 1) return undefined;
    out.push(ea === 1 ? eb : ea);
  }
  return out;
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Sum over `dims` of a row-major array, dropping them. */
export function referenceSum(values: readonly number[], shape: readonly number[], dims: readonly number[]): number[] {
  const outShape = shape.filter((_, d) => !dims.includes(d));
  const out = new Array<number>(size(outShape)).fill(0);
  for (let i = 0; i < values.length; i++) {
    const index = unravel(i, shape).filter((_, d) => !dims.includes(d));
    let o = 0;
    for (let d = 0; d < outShape.length; d++) o = o * (outShape[d] as number) + (index[d] as number);
    out[o] = (out[o] as number) + (values[i] as number);
  }
  return out;
}
