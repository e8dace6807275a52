import type { TypedArray } from '../../../dtype.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import { isContiguous, shapeSize } from '../../../shape.js';
import type { CpuBackend } from '../cpu-backend.js';
import { emptyLike, type StridedInput, stridedInput, stridedOffsets } from '../strided.js';

/**
 * Where each batch's [rows, cols] matrix of `input` can be read row-major: straight from the
 * input's storage when its last two dims are already row-major, else from a scratch buffer that
 * `load` refills per batch. Packing costs one pass over the operand and lets the i-k-j loop below
 * walk both operands with unit stride, whatever the input's layout (transposed, broadcast, sliced).
 */
class RowMajorOperand {
  /** Offsets of the matrix's elements relative to its batch base; undefined when no packing is needed. */
  private readonly relative: Int32Array | undefined;
  private readonly scratch: TypedArray;
  private packedBase = -1;

  constructor(
    private readonly input: StridedInput,
    rows: number,
    cols: number,
  ) {
    const rank = input.shape.length;
    const matrixStrides = [input.strides[rank - 2] as number, input.strides[rank - 1] as number];
    const rowMajor = isContiguous([rows, cols], matrixStrides);
    this.relative = rowMajor ? undefined : stridedOffsets([rows, cols], matrixStrides, 0);
    this.scratch = emptyLike(input.values, rowMajor ? 0 : rows * cols);
  }

  /** The array holding the matrix whose first element is at storage offset `base`, and where it starts. */
  load(base: number): { data: TypedArray; start: number } {
    const relative = this.relative;
    if (!relative) return { data: this.input.values, start: base };
    // Broadcast batches (stride 0) reuse the same matrix: pack it once.
    if (base !== this.packedBase) {
      const source = this.input.values;
      const scratch = this.scratch;
      for (let i = 0; i < relative.length; i++) scratch[i] = source[base + (relative[i] as number)] as number;
      this.packedBase = base;
    }
    return { data: this.scratch, start: 0 };
  }
}

interface MatrixProduct {
  m: number;
  k: number;
  n: number;
  out: TypedArray;
  outStart: number;
  a: TypedArray;
  aStart: number;
  b: TypedArray;
  bStart: number;
}

/** out[i, :] = Σ_p a[i, p] * b[p, :] for row-major operands, accumulating each row in float64. */
function multiplyFloat({ m, k, n, out, outStart, a, aStart, b, bStart }: MatrixProduct, row: Float64Array): void {
  for (let i = 0; i < m; i++) {
    row.fill(0);
    const aRow = aStart + i * k;
    for (let p = 0; p < k; p++) {
      const aip = a[aRow + p] as number;
      const bRow = bStart + p * n;
      for (let j = 0; j < n; j++) row[j] = (row[j] as number) + aip * (b[bRow + j] as number);
    }
    out.set(row, outStart + i * n);
  }
}

/** The int32 version of `multiplyFloat`: products and sums wrap like PyTorch's int32 matmul. */
function multiplyInt({ m, k, n, out, outStart, a, aStart, b, bStart }: MatrixProduct, row: Int32Array): void {
  for (let i = 0; i < m; i++) {
    row.fill(0);
    const aRow = aStart + i * k;
    for (let p = 0; p < k; p++) {
      const aip = a[aRow + p] as number;
      const bRow = bStart + p * n;
      for (let j = 0; j < n; j++) row[j] = ((row[j] as number) + Math.imul(aip, b[bRow + j] as number)) | 0;
    }
    out.set(row, outStart + i * n);
  }
}

/**
 * Batched matrix product of `a` [...batch, m, k] and `b` [...batch, k, n] (identical batch dims, any
 * strides). The output is row-major [...batch, m, n] with `a`'s dtype.
 */
export function matmulImpl(a: StridedInput, b: StridedInput): TypedArray {
  const rank = a.shape.length;
  const m = a.shape[rank - 2] as number;
  const k = a.shape[rank - 1] as number;
  const n = b.shape[rank - 1] as number;
  const batchShape = a.shape.slice(0, rank - 2);
  const aBases = stridedOffsets(batchShape, a.strides.slice(0, rank - 2), a.offset);
  const bBases = stridedOffsets(batchShape, b.strides.slice(0, rank - 2), b.offset);
  const batches = shapeSize(batchShape);
  const out = emptyLike(a.values, batches * m * n);
  if (out.length === 0) return out;
  const aOperand = new RowMajorOperand(a, m, k);
  const bOperand = new RowMajorOperand(b, k, n);
  const integer = out instanceof Int32Array;
  const intRow = new Int32Array(integer ? n : 0);
  const floatRow = new Float64Array(integer ? 0 : n);
  for (let t = 0; t < batches; t++) {
    const left = aOperand.load(aBases[t] as number);
    const right = bOperand.load(bBases[t] as number);
    const product = { m, k, n, out, outStart: t * m * n, a: left.data, aStart: left.start, b: right.data, bStart: right.start };
    if (integer) multiplyInt(product, intRow);
    else multiplyFloat(product, floatRow);
  }
  return out;
}

export const matmulConfig: KernelConfig<'MatMul', CpuBackend> = {
  kernelName: 'MatMul',
  backendName: 'cpu',
  kernelFunc: (backend, { a, b }) => backend.adopt(matmulImpl(stridedInput(a), stridedInput(b))),
};
