import { shapeSize, type View } from '@kindling/tensor';
import { isRowMajor } from '../programs/elementwise.js';
import { MatmulProgram, matrixLayout, type MatmulEpilogue } from '../programs/matmul.js';
import type { WebGpuBackend, WebGpuStorage } from '../webgpu-backend.js';

/*
 * Fused bias + ReLU without a new kernel in the shared contract: a float32 MatMul is held back
 * (WebGpuBackend.defer) until the next kernel call. If that call is a Binary add of the product
 * and a bias that varies only along the last dim, the add is folded into the matmul's epilogue;
 * if the next is a ReLU of that sum, so is the ReLU. Every intermediate the unfused sequence would
 * have produced (product, product + bias) is still written, because autograd keeps them for the
 * backward pass, so the fused pass gives bit-identical results and only saves passes and reads.
 * Any other call into the backend (another kernel, read, flush) encodes what is held. Releasing
 * an intermediate the held pass will write (a forward that returns only the ReLU's output frees the
 * product and the sum) does not: its buffer goes back to the pool once the pass is encoded.
 */

interface PendingLinear {
  a: View<WebGpuStorage>;
  b: View<WebGpuStorage>;
  product: WebGpuStorage;
  shape: readonly number[];
  bias: View<WebGpuStorage> | null;
  biased: WebGpuStorage | null;
  activated: WebGpuStorage | null;
  /** Outputs released while the pass was held: they go back to the pool once it is encoded. */
  released: WebGpuStorage[];
}

const pending = new WeakMap<WebGpuBackend, PendingLinear>();

function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((extent, d) => extent === b[d]);
}

/** Encodes a matmul (with whatever epilogue was fused into it) as one compute pass. */
export function encodeMatmul(backend: WebGpuBackend, a: View<WebGpuStorage>, b: View<WebGpuStorage>, outputs: readonly WebGpuStorage[], bias: View<WebGpuStorage> | null, epilogue: MatmulEpilogue): void {
  const rank = a.shape.length;
  const m = a.shape[rank - 2] as number;
  const n = b.shape[rank - 1] as number;
  const batches = shapeSize(a.shape.slice(0, rank - 2));
  if (batches > 65535) throw new RangeError(`webgpu: matmul over ${batches} batches exceeds the 65,535 a dispatch allows; reshape the batch dims`);
  const program = new MatmulProgram(a.dtype, rank - 2, matrixLayout(a), matrixLayout(b), epilogue);
  const inputs = bias ? [a.storage, b.storage, bias.storage] : [a.storage, b.storage];
  backend.dispatch(program, inputs, outputs, program.uniforms(a, b, bias), MatmulProgram.grid(m, n, batches));
}

/** Holds back the float32 product `a @ b` into `product` (already allocated) until the next kernel call. */
export function deferMatmul(backend: WebGpuBackend, a: View<WebGpuStorage>, b: View<WebGpuStorage>, product: WebGpuStorage, shape: readonly number[]): void {
  backend.settle();
  const state: PendingLinear = { a, b, product, shape, bias: null, biased: null, activated: null, released: [] };
  pending.set(backend, state);
  backend.defer(() => {
    pending.delete(backend);
    const outputs = [state.product, state.biased, state.activated].filter((s): s is WebGpuStorage => s !== null);
    const epilogue = state.activated ? 'bias-relu' : state.biased ? 'bias' : 'none';
    encodeMatmul(backend, state.a, state.b, outputs, state.bias, epilogue);
    for (const storage of state.released) backend.release(storage);
  });
}

/**
 * Whether `storage` is an output of the held pass, which keeps it to release once the pass is
 * encoded (true), rather than encoding the pass now (false: `storage` is not the pass's).
 */
export function holdRelease(backend: WebGpuBackend, storage: WebGpuStorage): boolean {
  const state = pending.get(backend);
  if (!state || (storage !== state.product && storage !== state.biased && storage !== state.activated)) return false;
  if (!state.released.includes(storage)) state.released.push(storage);
  return true;
}

/** Whether `view` reads all of `storage`, row-major, as a tensor of `shape`. */
function isWhole(view: View<WebGpuStorage>, storage: WebGpuStorage, shape: readonly number[]): boolean {
  return view.storage === storage && view.offset === 0 && shapesEqual(view.shape, shape) && isRowMajor(view);
}

/**
 * Whether `view` is a float32 row vector broadcast over `shape` (stride 0 in every dim but the
 * last) held in another storage than the product: the fused pass writes the product, and WebGPU
 * forbids reading a buffer in the pass that writes it.
 */
function isBias(view: View<WebGpuStorage>, shape: readonly number[], product: WebGpuStorage): boolean {
  const last = shape.length - 1;
  return (
    view.storage !== product &&
    view.dtype === 'float32' &&
    shapesEqual(view.shape, shape) &&
    view.strides.every((stride, d) => d === last || stride === 0 || view.shape[d] === 1)
  );
}

/** `product + bias` folded into the held-back matmul, or null when `a + b` is not that. */
export function tryFuseBias(backend: WebGpuBackend, a: View<WebGpuStorage>, b: View<WebGpuStorage>): WebGpuStorage | null {
  const state = pending.get(backend);
  if (!state || state.biased) return null;
  const { product, shape } = state;
  const bias = isWhole(a, product, shape) && isBias(b, shape, product) ? b : isWhole(b, product, shape) && isBias(a, shape, product) ? a : null;
  if (!bias) return null;
  state.bias = bias;
  state.biased = backend.allocate('float32', state.product.size);
  return state.biased;
}

/** `relu(product + bias)` folded into the held-back matmul, or null when `x` is not that sum. */
export function tryFuseRelu(backend: WebGpuBackend, x: View<WebGpuStorage>): WebGpuStorage | null {
  const state = pending.get(backend);
  if (!state?.biased || state.activated || !isWhole(x, state.biased, state.shape)) return null;
  state.activated = backend.allocate('float32', state.product.size);
  return state.activated;
}
