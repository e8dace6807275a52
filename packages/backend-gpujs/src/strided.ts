import { isContiguous, shapeSize, type Shape, type View } from '@kindling/tensor';

/** Whether `view` reads its whole storage in row-major order, so kernels can take the storage as it is. */
export function isWhole(view: View): boolean {
  return view.offset === 0 && shapeSize(view.shape) === view.storage.size && isContiguous(view.shape, view.strides);
}

/**
 * The storage offset of every element of the strided window `(shape, strides, offset)`, in row-major
 * order, as float32 for gpu.js (exact below 2^24 elements). Kernels read strided and broadcast
 * (stride 0) inputs through such a table, passed as a constant: it is built once per
 * specialisation, on the host, so no kernel re-derives multi-indices per element.
 */
export function offsetTable(shape: Shape, strides: readonly number[], offset: number): Float32Array {
  const size = shapeSize(shape);
  const out = new Float32Array(size);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let at = offset;
  for (let i = 0; i < size; i++) {
    out[i] = at;
    // An odometer over the multi-index, innermost dim fastest.
    for (let d = rank - 1; d >= 0; d--) {
      const stride = strides[d] as number;
      const next = (index[d] as number) + 1;
      if (next < (shape[d] as number)) {
        index[d] = next;
        at += stride;
        break;
      }
      index[d] = 0;
      at -= stride * (next - 1);
    }
  }
  return out;
}

/** `view`'s shape and strides with `dims` (sorted) moved last, the others kept in order. */
export function dimsLast(view: View, dims: readonly number[]): { shape: number[]; strides: number[] } {
  const order = view.shape.map((_, d) => d).filter((d) => !dims.includes(d));
  order.push(...dims);
  return { shape: order.map((d) => view.shape[d] as number), strides: order.map((d) => view.strides[d] as number) };
}

/** A compact key for a view's layout, for kernel cache keys. */
export function layoutKey(view: View): string {
  return `${view.shape.join('x')}:${view.strides.join(',')}+${view.offset}/${view.storage.size}`;
}

/**
 * `fn` of every multi-index of `shape`, in row-major order, as a float32 table (for constant tables
 * a loop over offsets cannot express). `fn` receives one reused index array.
 */
export function tableOver(shape: Shape, fn: (index: readonly number[]) => number): Float32Array {
  const size = shapeSize(shape);
  const out = new Float32Array(size);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < size; i++) {
    out[i] = fn(index);
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = (index[d] as number) + 1;
      if ((index[d] as number) < (shape[d] as number)) break;
      index[d] = 0;
    }
  }
  return out;
}

/** The storage offset of the element at `index` in a strided window. */
export function offsetAt(index: readonly number[], strides: readonly number[], offset: number): number {
  let at = offset;
  for (let d = 0; d < index.length; d++) at += (index[d] as number) * (strides[d] as number);
  return at;
}
