import { shapeSize, type ReduceOp, type View } from '@kindling/tensor';
import { workgroupGrid } from '../program.js';
import { isRowMajor } from '../programs/elementwise.js';
import type { FusedChain } from '../programs/fused-elementwise.js';
import { matrixLayout, MatmulProgram } from '../programs/matmul.js';
import { ReduceProgram, reduceUniforms } from '../programs/reduce.js';
import type { WebGpuBackend, WebGpuStorage } from '../webgpu-backend.js';

/*
 * The kernels an elementwise chain may start from (elementwise-fusion.ts): a float32 matmul or a
 * float32 reduction, whose result each op of the chain reads element for element as it is stored.
 */

/**
 * The matmul or reduction whose result (`product`) a chain starts from. A matmul may also write the
 * sums of `a`'s rows into `rowSums`: a bias gradient taken over from the reduction that asked for it.
 */
export type ChainHead =
  | { readonly kind: 'matmul'; readonly a: View<WebGpuStorage>; readonly b: View<WebGpuStorage>; readonly product: WebGpuStorage; readonly rowSums: WebGpuStorage | null }
  | { readonly kind: 'reduce'; readonly x: View<WebGpuStorage>; readonly dims: readonly number[]; readonly op: ReduceOp; readonly product: WebGpuStorage };

/** A chain run as a head's epilogue: its WGSL, uniform words and buffers. */
export interface Epilogue {
  readonly chain: FusedChain;
  readonly words: readonly number[];
  readonly buffers: readonly WebGpuStorage[];
  readonly outputs: readonly WebGpuStorage[];
}

/** The storages a head reads. */
export function headInputs(head: ChainHead): WebGpuStorage[] {
  return head.kind === 'matmul' ? [head.a.storage, head.b.storage] : [head.x.storage];
}

/** The storages a head writes besides the epilogue's results. */
export function headOutputs(head: ChainHead): WebGpuStorage[] {
  return head.kind === 'matmul' && head.rowSums ? [head.product, head.rowSums] : [head.product];
}

/**
 * Whether `head` sums a row-major [..., N] tensor over every dim but the last, and `a` is that
 * same tensor as an [N, M] matrix stored column by column: the bias gradient and the `gᵀ` of the
 * weight gradient `gᵀ·x` of one linear layer, so the reduction's results are `a`'s row sums.
 */
export function sumsRowsOf(head: ChainHead, a: View<WebGpuStorage>): boolean {
  if (head.kind !== 'reduce' || head.op !== 'sum') return false;
  const { x, dims } = head;
  const n = x.shape[x.shape.length - 1] as number;
  const m = shapeSize(x.shape) / n;
  const overLeadingDims = dims.length === x.shape.length - 1 && dims.every((d, i) => d === i);
  const sameTensor = x.storage === a.storage && x.offset === 0 && a.offset === 0 && isRowMajor(x);
  return overLeadingDims && sameTensor && a.shape.length === 2 && a.shape[0] === n && a.shape[1] === m && a.strides[0] === 1 && a.strides[1] === n;
}

/**
 * Encodes `a @ b` into `product` (null where no one holds it), with `epilogue` where a chain
 * follows it, and `a`'s row sums into `rowSums` where given.
 */
export function encodeMatmul(
  backend: WebGpuBackend,
  a: View<WebGpuStorage>,
  b: View<WebGpuStorage>,
  product: WebGpuStorage | null,
  epilogue: Epilogue | null = null,
  rowSums: WebGpuStorage | null = null,
): void {
  const rank = a.shape.length;
  const m = a.shape[rank - 2] as number;
  const n = b.shape[rank - 1] as number;
  const batches = shapeSize(a.shape.slice(0, rank - 2));
  if (batches > 65535) throw new RangeError(`webgpu: matmul over ${batches} batches exceeds the 65,535 a dispatch allows; reshape the batch dims`);
  const program = new MatmulProgram(a.dtype, rank - 2, matrixLayout(a), matrixLayout(b), epilogue?.chain ?? null, product !== null, rowSums !== null);
  const outputs = [...(product ? [product] : []), ...(rowSums ? [rowSums] : []), ...(epilogue?.outputs ?? [])];
  backend.dispatch(program, [a.storage, b.storage, ...(epilogue?.buffers ?? [])], outputs, program.uniforms(a, b, epilogue?.words), MatmulProgram.grid(m, n, batches));
}

/** Encodes `op` of `x` over `dims` into `result` (of `count` elements; null where no one holds it), with `epilogue` where a chain follows it. */
export function encodeReduce(
  backend: WebGpuBackend,
  x: View<WebGpuStorage>,
  dims: readonly number[],
  op: ReduceOp,
  result: WebGpuStorage | null,
  count: number,
  epilogue: Epilogue | null = null,
): void {
  const outDType = result?.dtype ?? 'float32';
  const program = new ReduceProgram(op, x.dtype, outDType, x.shape.length - dims.length, dims.length, epilogue?.chain ?? null, result !== null);
  const outputs = [...(result ? [result] : []), ...(epilogue?.outputs ?? [])];
  // One workgroup per output element.
  backend.dispatch(program, [x.storage, ...(epilogue?.buffers ?? [])], outputs, reduceUniforms(program, x.shape, x.strides, x.offset, dims, epilogue?.words), workgroupGrid(count));
}

/** Encodes `head`, with `epilogue` where a chain follows it, writing only the results `written` says are still held. */
export function encodeHead(backend: WebGpuBackend, head: ChainHead, epilogue: Epilogue | null, written: (storage: WebGpuStorage) => boolean): void {
  const product = written(head.product) ? head.product : null;
  if (head.kind === 'matmul') encodeMatmul(backend, head.a, head.b, product, epilogue, head.rowSums && written(head.rowSums) ? head.rowSums : null);
  else encodeReduce(backend, head.x, head.dims, head.op, product, head.product.size, epilogue);
}
