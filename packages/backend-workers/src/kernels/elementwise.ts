import { contiguousStrides, type BinaryOp, type CompareOp, type KernelConfig, type UnaryOp, type View } from '@kindling/tensor';
import type { WorkersStorage } from '../shared-heap.js';
import type { WorkersBackend } from '../workers-backend.js';
import type { KernelExport } from '../pool/kernel-module.js';
import { contiguous } from './copy.js';
import { onCpu } from './fallback.js';
import * as codes from './op-codes.js';
import { batchOffsets, isDense, isRepeatedColumn, isRepeatedRow, isUniform, lastExtent, repeatedBlock, runSplit, sizeOf } from './layout.js';

/**
 * Elementwise ops over at least this many elements are split across threads. Measured on the
 * 2-core host: a float32 add streams ~4 elements/ns on one thread, so 2^17 elements take ~30 µs
 * against ~10 µs to wake a worker; the tutorial's activations (128×512 = 2^16) stay on the caller.
 */
export const ELEMENTWISE_PARALLEL_ELEMENTS = 1 << 17;
/** Thread boundaries fall on multiples of 16 elements: whole vectors, whole 64-byte lines. */
const ALIGN = 16;

// The ops the WebAssembly kernels cover, by their codes (op-codes.ts): exact ones four lanes at a
// time (assembly/elementwise.ts), and the transcendental ones in float64, one element at a time
// (assembly/math.ts); pow stays on the cpu kernel.
const UNARY_CODES: Partial<Record<UnaryOp, number>> = { neg: codes.UNARY_NEG, abs: codes.UNARY_ABS, relu: codes.UNARY_RELU, sqrt: codes.UNARY_SQRT, sign: codes.UNARY_SIGN };
const UNARY_MATH_CODES: Partial<Record<UnaryOp, number>> = {
  exp: codes.UNARY_EXP,
  log: codes.UNARY_LOG,
  sigmoid: codes.UNARY_SIGMOID,
  tanh: codes.UNARY_TANH,
  sin: codes.UNARY_SIN,
  cos: codes.UNARY_COS,
  erf: codes.UNARY_ERF,
  erfc: codes.UNARY_ERFC,
  rsqrt: codes.UNARY_RSQRT,
  expm1: codes.UNARY_EXPM1,
  log1p: codes.UNARY_LOG1P,
};
/**
 * A transcendental op costs ~20 ns an element against ~0.25 ns for an add, so it pays to wake a
 * worker from a few thousand elements on (2^12: ~80 µs of work against ~10 µs to wake one).
 */
const UNARY_MATH_PARALLEL_ELEMENTS = 1 << 12;
const BINARY_CODES: Partial<Record<BinaryOp, number>> = {
  add: codes.BINARY_ADD,
  sub: codes.BINARY_SUB,
  mul: codes.BINARY_MUL,
  div: codes.BINARY_DIV,
  maximum: codes.BINARY_MAXIMUM,
  minimum: codes.BINARY_MINIMUM,
};
const COMPARE_CODES: Record<CompareOp, number> = {
  eq: codes.COMPARE_EQ,
  ne: codes.COMPARE_NE,
  lt: codes.COMPARE_LT,
  le: codes.COMPARE_LE,
  gt: codes.COMPARE_GT,
  ge: codes.COMPARE_GE,
};
/** `x op y` is `y swapped(op) x`: lets a broadcast scalar on the left use the scalar-on-the-right kernel. */
const SWAPPED: Record<CompareOp, CompareOp> = { eq: 'eq', ne: 'ne', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };

/**
 * `view` made dense for the WebAssembly kernels: itself when it already is, else a row-major copy by
 * the copy kernel (a transposed or sliced operand: attention's heads, an RNN's gates), which the
 * caller releases. One extra pass over the data costs far less than the cpu kernel's strided walk.
 */
function dense(backend: WorkersBackend, view: View<WorkersStorage>): { view: View<WorkersStorage>; copy?: WorkersStorage } {
  if (isDense(view)) return { view };
  const copy = contiguous(backend, view);
  return { view: { storage: copy, dtype: view.dtype, shape: view.shape, strides: contiguousStrides(view.shape), offset: 0 }, copy };
}

function unary(backend: WorkersBackend, strided: View<WorkersStorage>, op: UnaryOp): WorkersStorage {
  const exact = UNARY_CODES[op];
  const math = UNARY_MATH_CODES[op];
  if (strided.dtype !== 'float32' || (exact === undefined && math === undefined)) return onCpu(backend, 'Unary', { x: strided, op });
  const { view: x, copy } = dense(backend, strided);
  try {
    const out = backend.heap.allocate('float32', sizeOf(x));
    const source = backend.address(x);
    const [kernel, code, parallelFrom]: [KernelExport, number, number] =
      exact !== undefined ? ['unaryF32', exact, ELEMENTWISE_PARALLEL_ELEMENTS] : ['unaryMathF32', math as number, UNARY_MATH_PARALLEL_ELEMENTS];
    runSplit(backend, 'Unary', out.size, parallelFrom, ALIGN, (start, end) => ({
      kernel,
      args: [code, source + start * 4, out.byteOffset + start * 4, end - start],
    }));
    return out;
  } finally {
    if (copy) backend.release(copy);
  }
}

/** A dense matrix against a broadcast operand; `broadcastOnLeft` when the broadcast one is `a`. */
function binaryBroadcast(backend: WorkersBackend, code: number, dense: View<WorkersStorage>, other: View<WorkersStorage>, broadcastOnLeft: boolean, out: WorkersStorage): boolean {
  const matrix = backend.address(dense);
  const operand = backend.address(other);
  const side = broadcastOnLeft ? 1 : 0;
  if (isUniform(other)) {
    runSplit(backend, 'Binary', out.size, ELEMENTWISE_PARALLEL_ELEMENTS, ALIGN, (start, end) => ({
      kernel: 'binaryScalarF32',
      args: [code, matrix + start * 4, operand, out.byteOffset + start * 4, end - start, side],
    }));
    return true;
  }
  const cols = lastExtent(dense);
  const rows = cols === 0 ? 0 : out.size / cols;
  const rowBlock = Math.max(1, Math.ceil(ELEMENTWISE_PARALLEL_ELEMENTS / Math.max(cols, 1)));
  const repeatedRow = isRepeatedRow(other);
  const column = repeatedRow ? undefined : columnOf(backend, other);
  if (!repeatedRow && !column) return false;
  try {
    const source = column ? column.address : operand;
    runSplit(backend, 'Binary', rows, rowBlock, 1, (start, end) => ({
      kernel: repeatedRow ? 'binaryRowsF32' : 'binaryColumnsF32',
      args: [code, matrix + start * cols * 4, repeatedRow ? source : source + start * 4, out.byteOffset + start * cols * 4, end - start, cols, side],
    }));
  } finally {
    if (column?.copy) backend.release(column.copy);
  }
  return true;
}

/**
 * The address of the one value of each row, contiguous, for a view that is constant along its last
 * dim: the view itself when its leading dims are contiguous, else a small gathered `copy` for the
 * caller to release (a convolution's bias [C] broadcast over [N, C, H·W] reads with strides [0, 1, 0]).
 */
function columnOf(backend: WorkersBackend, view: View<WorkersStorage>): { address: number; copy?: WorkersStorage } | undefined {
  const last = view.shape.length - 1;
  if (last < 1 || (view.strides[last] !== 0 && view.shape[last] !== 1)) return undefined;
  if (isRepeatedColumn(view)) return { address: backend.address(view) };
  const offsets = batchOffsets(view, last);
  const copy = backend.heap.allocate('float32', offsets.length);
  const target = backend.heap.view(copy);
  const source = backend.heap.view(view.storage);
  offsets.forEach((offset, row) => {
    target[row] = source[offset] as number;
  });
  return { address: copy.byteOffset, copy };
}

function binary(backend: WorkersBackend, a: View<WorkersStorage>, b: View<WorkersStorage>, op: BinaryOp): WorkersStorage {
  const code = BINARY_CODES[op];
  if (a.dtype !== 'float32' || code === undefined) return onCpu(backend, 'Binary', { a, b, op });
  const out = backend.heap.allocate('float32', sizeOf(a));
  const denseA = isDense(a);
  const denseB = isDense(b);
  if (denseA && denseB) {
    const [x, y] = [backend.address(a), backend.address(b)];
    runSplit(backend, 'Binary', out.size, ELEMENTWISE_PARALLEL_ELEMENTS, ALIGN, (start, end) => ({
      kernel: 'binaryF32',
      args: [code, x + start * 4, y + start * 4, out.byteOffset + start * 4, end - start],
    }));
    return out;
  }
  if ((denseA && binaryBroadcast(backend, code, a, b, false, out)) || (denseB && binaryBroadcast(backend, code, b, a, true, out))) return out;
  backend.release(out);
  const [left, right] = [dense(backend, a), dense(backend, b)];
  try {
    return binary(backend, left.view, right.view, op);
  } finally {
    for (const { copy } of [left, right]) if (copy) backend.release(copy);
  }
}

function compare(backend: WorkersBackend, a: View<WorkersStorage>, b: View<WorkersStorage>, op: CompareOp): WorkersStorage {
  const plan =
    isDense(a) && (isDense(b) || isUniform(b)) ? { x: a, y: b, op } : isUniform(a) && isDense(b) ? { x: b, y: a, op: SWAPPED[op] } : undefined;
  if (a.dtype !== 'float32' || !plan) return onCpu(backend, 'Compare', { a, b, op });
  const out = backend.heap.allocate('bool', sizeOf(a));
  const [x, y] = [backend.address(plan.x), backend.address(plan.y)];
  const scalar = isDense(plan.y) ? 0 : 1;
  runSplit(backend, 'Compare', out.size, ELEMENTWISE_PARALLEL_ELEMENTS, ALIGN, (start, end) => ({
    kernel: 'compareF32',
    args: [COMPARE_CODES[plan.op], x + start * 4, scalar ? y : y + start * 4, out.byteOffset + start, end - start, scalar],
  }));
  return out;
}

function where(backend: WorkersBackend, condition: View<WorkersStorage>, a: View<WorkersStorage>, b: View<WorkersStorage>): WorkersStorage {
  const fourBytes = a.dtype === 'float32' || a.dtype === 'int32';
  const supported = (v: View<WorkersStorage>): boolean => isDense(v) || isUniform(v);
  const period = repeatedBlock(condition);
  if (!fourBytes || period === undefined || !supported(a) || !supported(b)) return onCpu(backend, 'Where', { condition, a, b });
  const out = backend.heap.allocate(a.dtype, sizeOf(a));
  const flags = backend.address(condition);
  const [x, y] = [backend.address(a), backend.address(b)];
  const [xScalar, yScalar] = [isDense(a) ? 0 : 1, isDense(b) ? 0 : 1];
  runSplit(backend, 'Where', out.size, ELEMENTWISE_PARALLEL_ELEMENTS, ALIGN, (start, end) => ({
    kernel: 'where32',
    args: [flags, period, start % period, xScalar ? x : x + start * 4, xScalar, yScalar ? y : y + start * 4, yScalar, out.byteOffset + start * 4, end - start],
  }));
  return out;
}

export const unaryConfig: KernelConfig<'Unary', WorkersBackend> = {
  kernelName: 'Unary',
  backendName: 'workers',
  kernelFunc: (backend, { x, op }) => unary(backend, x, op),
};

export const binaryConfig: KernelConfig<'Binary', WorkersBackend> = {
  kernelName: 'Binary',
  backendName: 'workers',
  kernelFunc: (backend, { a, b, op }) => binary(backend, a, b, op),
};

export const compareConfig: KernelConfig<'Compare', WorkersBackend> = {
  kernelName: 'Compare',
  backendName: 'workers',
  kernelFunc: (backend, { a, b, op }) => compare(backend, a, b, op),
};

export const whereConfig: KernelConfig<'Where', WorkersBackend> = {
  kernelName: 'Where',
  backendName: 'workers',
  kernelFunc: (backend, { condition, a, b }) => where(backend, condition, a, b),
};
