import { shapeSize, type DType, type ReduceOp, type View } from '@kindling/tensor';
import { workgroupGrid } from '../program.js';
import { isRowMajor, type ElementwiseProgram } from '../programs/elementwise.js';
import { FillProgram } from '../programs/fill.js';
import { definedFunctions, FusedChain, FusedElementwiseProgram, type FusedOperand } from '../programs/fused-elementwise.js';
import type { WebGpuBackend, WebGpuStorage } from '../webgpu-backend.js';
import { encodeHead, headInputs, headOutputs, sumsRowsOf, type ChainHead } from './chain-heads.js';

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
 * A float32 matmul or reduction starts a chain of its own (chain-heads.ts): the ops that read its
 * result element for element (a bias add, an activation, a residual add; a variance's `+ eps` and
 * square root) become its epilogue, run as each element of the result is stored, and the result
 * itself is written only if someone still holds it.
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

/** Whether `view` reads the `size` elements of its storage in order: a head's result, whatever unit dims a keepdim gave it. */
function readsInOrder(view: View, size: number): boolean {
  return view.offset === 0 && isRowMajor(view) && shapeSize(view.shape) === size;
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
  if (chain.ops.length >= MAX_OPS) return null;
  // A reduction's chain takes the shape of the first op that joins it, which must have one element per result.
  if (chain.shape === null ? chain.head !== null && shapeSize(shape) !== chain.head.product.size : !shapesEqual(chain.shape, shape)) return null;
  const helpers = program.body.helpers ?? '';
  if (definedFunctions(helpers).some((name) => (chain.functions.get(name) ?? helpers) !== helpers)) return null;
  const reads = [...chain.reads];
  const operands: FusedOperand[] = [];
  for (const view of views) {
    const scalar = chain.scalars.findIndex((s) => s.output === view.storage);
    const op = chain.ops.findIndex((o) => o.output === view.storage);
    if (view.storage === chain.head?.product) {
      if (!readsInOrder(view, chain.head.product.size)) return null;
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
  if (chain.head) results.push(...headOutputs(chain.head));
  const written = results.filter((output) => !chain.released.has(output)).length;
  return buffers + (chain.head ? headInputs(chain.head).length : 0) + written + 1 <= backend.maxStorageBuffers;
}

/**
 * Holds back the float32 product `a @ b` into `product` (allocated, of `shape`) as the start of a
 * chain. A held sum of `a`'s rows (a bias gradient) is taken over: the matmul computes it too.
 */
export function holdMatmul(backend: WebGpuBackend, a: View<WebGpuStorage>, b: View<WebGpuStorage>, product: WebGpuStorage, shape: readonly number[]): void {
  start(backend, { kind: 'matmul', a, b, product, rowSums: takeRowSums(backend, a) }, shape);
}

/** The result of the held reduction when it sums `a`'s rows and nothing joined it, taken off the backend; else null. */
function takeRowSums(backend: WebGpuBackend, a: View<WebGpuStorage>): WebGpuStorage | null {
  const chain = chains.get(backend);
  const head = chain?.head;
  if (!chain || !head || chain.ops.length + chain.scalars.length > 0 || chain.released.size > 0 || !sumsRowsOf(head, a)) return null;
  backend.defer(null);
  chains.delete(backend);
  return head.product;
}

/** Holds back the float32 reduction `op` of `x` over `dims` into `result` (allocated) as the start of a chain. */
export function holdReduce(backend: WebGpuBackend, x: View<WebGpuStorage>, dims: readonly number[], op: ReduceOp, result: WebGpuStorage): void {
  start(backend, { kind: 'reduce', x, dims, op, product: result });
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
      (chain.head !== null && [...headOutputs(chain.head), ...headInputs(chain.head)].includes(storage)));
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
    // A head whose epilogue writes nothing is a plain matmul or reduction.
    if (ops.length + scalars.length > 0) dispatchChain(backend, chain);
    else if (headOutputs(chain.head).some(written)) encodeHead(backend, chain.head, null, written);
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

function dispatchChain(backend: WebGpuBackend, chain: Chain): void {
  // A reduction that only scalars joined has no shape yet: its results, one after another, serve.
  const shape = chain.shape ?? [chain.head?.product.size ?? 0];
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
    encodeHead(backend, chain.head, { chain: fused, words, buffers, outputs }, written);
    return;
  }
  const program = new FusedElementwiseProgram(fused);
  backend.dispatch(program, buffers, outputs, Uint32Array.of(size, ...words), workgroupGrid(Math.ceil(size / 64)));
}
