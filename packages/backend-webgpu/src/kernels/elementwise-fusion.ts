import { shapeSize, type DType, type View } from '@kindling/tensor';
import { workgroupGrid } from '../program.js';
import { isRowMajor, type ElementwiseProgram } from '../programs/elementwise.js';
import { FillProgram } from '../programs/fill.js';
import { definedFunctions, FusedChain, FusedElementwiseProgram, type FusedOperand } from '../programs/fused-elementwise.js';
import { matrixLayout, MatmulProgram } from '../programs/matmul.js';
import type { WebGpuBackend, WebGpuStorage } from '../webgpu-backend.js';

/*
 * Elementwise chains: an elementwise kernel (Unary, Binary, Compare, Where, Cast, Contiguous) and
 * a one-element Fill (the scalar of `x.mul(2)`) are held back (WebGpuBackend.defer) instead of
 * dispatched. The next elementwise kernel over the same shape joins them when it reads their
 * results whole, and so on; any other call into the backend encodes the chain as one dispatch
 * (programs/fused-elementwise.ts). Each op's result is still written unless it was released
 * while held (a temporary the op layer or a tidy freed), and a scalar is a uniform word rather
 * than a buffer. Values pass between ops in registers as the float32 (or int32, bool) they would
 * have been stored as.
 *
 * A float32 matmul starts a chain of its own: the ops that read its product element for element
 * (a bias add, an activation, a residual add) become the matmul's epilogue, run as each element
 * of the product is stored, and the product itself is written only if someone still holds it.
 */

interface ChainOp {
  readonly program: ElementwiseProgram;
  readonly views: readonly View<WebGpuStorage>[];
  readonly operands: readonly FusedOperand[];
  readonly output: WebGpuStorage;
}

interface ChainScalar {
  readonly dtype: DType;
  readonly bits: number;
  readonly output: WebGpuStorage;
}

/** The matmul whose product a chain starts from. */
interface ChainHead {
  readonly a: View<WebGpuStorage>;
  readonly b: View<WebGpuStorage>;
  readonly product: WebGpuStorage;
}

interface Chain {
  readonly head: ChainHead | null;
  shape: readonly number[] | null;
  readonly reads: View<WebGpuStorage>[];
  readonly ops: ChainOp[];
  readonly scalars: ChainScalar[];
  /** Storages released while held: given back once the chain is encoded; a result among them is not written. */
  readonly released: Set<WebGpuStorage>;
  /** Each helper function the chain's WGSL defines, by the snippet that defines it. */
  readonly functions: Map<string, string>;
}

/** The most ops one chain holds: each distinct chain is a pipeline to compile. */
const MAX_OPS = 24;

const FILL = new FillProgram();
const chains = new WeakMap<WebGpuBackend, Chain>();

function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((extent, d) => extent === b[d]);
}

function sameView(a: View, b: View): boolean {
  return a.storage === b.storage && a.offset === b.offset && shapesEqual(a.shape, b.shape) && shapesEqual(a.strides, b.strides);
}

/** Whether `view` reads all of its storage element for element as a tensor of `shape`: a value a chain holds in registers. */
function readsWhole(view: View, shape: readonly number[]): boolean {
  return view.offset === 0 && isRowMajor(view) && shapesEqual(view.shape, shape);
}

/** Whether `view` reads element 0 of its storage at every index: a scalar broadcast. */
function readsFirstElement(view: View): boolean {
  return view.offset === 0 && view.shape.every((extent, d) => extent === 1 || view.strides[d] === 0);
}

function start(backend: WebGpuBackend, head: ChainHead | null = null, shape: readonly number[] | null = null): Chain {
  backend.settle();
  const chain: Chain = { head, shape, reads: [], ops: [], scalars: [], released: new Set(), functions: new Map() };
  chains.set(backend, chain);
  backend.defer(() => encode(backend, chain));
  return chain;
}

/** The operands of an op over `views` joining `chain`, or null where it cannot join (and the chain is encoded first). */
function join(backend: WebGpuBackend, chain: Chain, program: ElementwiseProgram, views: readonly View<WebGpuStorage>[], shape: readonly number[]): FusedOperand[] | null {
  if (chain.ops.length >= MAX_OPS || (chain.shape !== null && !shapesEqual(chain.shape, shape))) return null;
  const helpers = program.body.helpers ?? '';
  if (definedFunctions(helpers).some((name) => (chain.functions.get(name) ?? helpers) !== helpers)) return null;
  const reads = [...chain.reads];
  const operands: FusedOperand[] = [];
  for (const view of views) {
    const scalar = chain.scalars.findIndex((s) => s.output === view.storage);
    const op = chain.ops.findIndex((o) => o.output === view.storage);
    if (view.storage === chain.head?.product) {
      if (!readsWhole(view, shape)) return null;
      operands.push({ kind: 'product' });
    } else if (scalar !== -1) {
      if (!readsFirstElement(view)) return null;
      operands.push({ kind: 'scalar', index: scalar });
    } else if (op !== -1) {
      if (!readsWhole(view, shape)) return null;
      operands.push({ kind: 'op', index: op });
    } else {
      let index = reads.findIndex((read) => sameView(read, view));
      if (index === -1) index = reads.push(view) - 1;
      operands.push({ kind: 'read', index });
    }
  }
  if (!roomFor(backend, chain, reads)) return null;
  chain.reads.splice(0, chain.reads.length, ...reads);
  for (const name of definedFunctions(helpers)) chain.functions.set(name, helpers);
  return operands;
}

/** Whether the chain can take one more result, reading `reads`, within the buffers one dispatch binds. */
function roomFor(backend: WebGpuBackend, chain: Chain, reads: readonly View<WebGpuStorage>[]): boolean {
  const buffers = new Set(reads.map((read) => read.storage)).size;
  const results = [...chain.ops, ...chain.scalars].map((item) => item.output);
  if (chain.head) results.push(chain.head.product);
  const written = results.filter((output) => !chain.released.has(output)).length;
  return buffers + (chain.head ? 2 : 0) + written + 1 <= backend.maxStorageBuffers;
}

/** Holds back the float32 product `a @ b` into `product` (allocated, of `shape`) as the start of a chain. */
export function holdMatmul(backend: WebGpuBackend, a: View<WebGpuStorage>, b: View<WebGpuStorage>, product: WebGpuStorage, shape: readonly number[]): void {
  start(backend, { a, b, product }, shape);
}

/** Runs (or holds back, joined to the pending chain) the elementwise `program` over `views` into a fresh storage. */
export function runFused(backend: WebGpuBackend, program: ElementwiseProgram, views: readonly View<WebGpuStorage>[], shape: readonly number[], dtype: DType): WebGpuStorage {
  const size = shapeSize(shape);
  if (size === 0) return backend.allocate(dtype, 0);
  let chain = chains.get(backend);
  let operands = chain ? join(backend, chain, program, views, shape) : null;
  if (!chain || !operands) {
    chain = start(backend);
    operands = join(backend, chain, program, views, shape);
    if (!operands) throw new Error(`internal: webgpu could not start an elementwise chain with '${program.family}'`);
  }
  const output = backend.allocate(dtype, size);
  chain.shape = shape;
  chain.ops.push({ program, views, operands, output });
  return output;
}

/** A one-element fill held with the pending chain, where the ops that read it take it as a uniform. */
export function fillScalar(backend: WebGpuBackend, dtype: DType, bits: number): WebGpuStorage {
  let chain = chains.get(backend);
  if (!chain || chain.ops.length >= MAX_OPS || !roomFor(backend, chain, chain.reads)) chain = start(backend);
  const output = backend.allocate(dtype, 1);
  chain.scalars.push({ dtype, bits, output });
  return output;
}

/**
 * Whether the pending chain reads or writes `storage`, which it then keeps to release once encoded
 * (a result is then not written at all): freeing a temporary does not cut the chain.
 */
export function holdChainRelease(backend: WebGpuBackend, storage: WebGpuStorage): boolean {
  const chain = chains.get(backend);
  const held =
    chain &&
    (chain.ops.some((op) => op.output === storage) ||
      chain.scalars.some((s) => s.output === storage) ||
      chain.reads.some((read) => read.storage === storage) ||
      (chain.head !== null && [chain.head.product, chain.head.a.storage, chain.head.b.storage].includes(storage)));
  if (!held) return false;
  chain.released.add(storage);
  return true;
}

function encode(backend: WebGpuBackend, chain: Chain): void {
  chains.delete(backend);
  const written = (output: WebGpuStorage): boolean => !chain.released.has(output);
  const scalars = chain.scalars.filter((s) => written(s.output));
  const ops = chain.ops.filter((op) => written(op.output));
  const [only] = chain.ops;
  if (chain.head) {
    // A product whose epilogue writes nothing is a plain matmul.
    if (ops.length + scalars.length > 0) dispatchChain(backend, chain);
    else if (written(chain.head.product)) encodeMatmul(backend, chain.head.a, chain.head.b, chain.head.product);
  } else if (chain.ops.length === 0) {
    for (const s of scalars) {
      if (s.bits === 0) backend.clear(s.output);
      else backend.dispatch(FILL, [], [s.output], Uint32Array.of(1, s.bits), [1]);
    }
  } else if (only && chain.ops.length === 1 && chain.scalars.length === 0) {
    // A lone op runs its own program, as it would unfused.
    if (ops.length === 1) dispatchAlone(backend, only, chain.shape as readonly number[]);
  } else if (ops.length + scalars.length > 0) {
    dispatchChain(backend, chain);
  }
  for (const storage of chain.released) backend.release(storage);
}

function dispatchAlone(backend: WebGpuBackend, op: ChainOp, shape: readonly number[]): void {
  const size = op.output.size;
  backend.dispatch(op.program, op.views.map((v) => v.storage), [op.output], op.program.uniforms(size, shape, op.views), workgroupGrid(Math.ceil(size / 64)));
}

/** A chain run as a matmul's epilogue: its WGSL, uniform words and buffers, and whether the product is written too. */
interface Epilogue {
  readonly chain: FusedChain;
  readonly words: readonly number[];
  readonly buffers: readonly WebGpuStorage[];
  readonly outputs: readonly WebGpuStorage[];
  readonly writesProduct: boolean;
}

/** Encodes `a @ b` into `product`, with `epilogue` where a chain follows it. */
export function encodeMatmul(backend: WebGpuBackend, a: View<WebGpuStorage>, b: View<WebGpuStorage>, product: WebGpuStorage, epilogue: Epilogue | null = null): void {
  const rank = a.shape.length;
  const m = a.shape[rank - 2] as number;
  const n = b.shape[rank - 1] as number;
  const batches = shapeSize(a.shape.slice(0, rank - 2));
  if (batches > 65535) throw new RangeError(`webgpu: matmul over ${batches} batches exceeds the 65,535 a dispatch allows; reshape the batch dims`);
  const writesProduct = epilogue?.writesProduct ?? true;
  const program = new MatmulProgram(a.dtype, rank - 2, matrixLayout(a), matrixLayout(b), epilogue?.chain ?? null, writesProduct);
  const outputs = [...(writesProduct ? [product] : []), ...(epilogue?.outputs ?? [])];
  backend.dispatch(program, [a.storage, b.storage, ...(epilogue?.buffers ?? [])], outputs, program.uniforms(a, b, epilogue?.words), MatmulProgram.grid(m, n, batches));
}

function dispatchChain(backend: WebGpuBackend, chain: Chain): void {
  const shape = chain.shape as readonly number[];
  const size = shapeSize(shape);
  const written = (output: WebGpuStorage): boolean => !chain.released.has(output);
  const buffers: WebGpuStorage[] = [];
  const reads = chain.reads.map((view) => {
    let buffer = buffers.indexOf(view.storage);
    if (buffer === -1) buffer = buffers.push(view.storage) - 1;
    return { buffer, dtype: view.dtype, contiguous: isRowMajor(view) };
  });
  const fused = new FusedChain(
    chain.ops.map((op) => ({ program: op.program, operands: op.operands, written: written(op.output) })),
    reads,
    chain.scalars.map((s) => ({ dtype: s.dtype, written: written(s.output) })),
    buffers.length,
    shape.length,
    'float32',
  );
  const words: number[] = [...shape.slice(0, fused.rank)];
  for (const view of chain.reads) words.push(view.offset, ...view.strides.slice(0, fused.rank));
  for (const s of chain.scalars) words.push(s.bits);
  const outputs = [...chain.scalars.map((s) => s.output), ...chain.ops.map((op) => op.output)].filter(written);
  if (chain.head) {
    const { a, b, product } = chain.head;
    encodeMatmul(backend, a, b, product, { chain: fused, words, buffers, outputs, writesProduct: written(product) });
    return;
  }
  const program = new FusedElementwiseProgram(fused);
  backend.dispatch(program, buffers, outputs, Uint32Array.of(size, ...words), workgroupGrid(Math.ceil(size / 64)));
}
