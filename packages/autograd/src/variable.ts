import {
  assertBatchedMatrices,
  assertFillMask,
  chunkSize,
  defineElementwiseMethods,
  normalizeDim,
  splitRanges,
  topkIndices,
  isFloatingDType,
  isTensor,
  SCOPE_REFERENCES,
  TENSOR_OPERAND,
  type BINARY_OPS,
  type BinaryOp,
  type BoolTensor,
  type COMPARE_OPS,
  type NestedArray,
  type SizeMethod,
  type TypedArray,
  type VarianceOptions,
  INSPECT,
  sizeMethod,
  variance,
  type DType,
  type ScopeReferences,
  type Shape,
  type Tensor,
  type TensorOperand,
  type UNARY_OPS,
} from '@kindling/tensor';
import { runBackward, type BackwardOptions } from './backward.js';
import type { Node, Operand } from './graph.js';
import * as elementwise from './ops/elementwise.js';
import * as linalg from './ops/matmul.js';
import * as reduction from './ops/reduction.js';
import * as scan from './ops/scan.js';
import * as softmaxOps from './ops/softmax.js';
import * as indexing from './ops/indexing.js';
import * as views from './ops/views.js';

export interface VariableOptions {
  /** Whether gradients flow to this Variable (only floating-point ones can). Default false. */
  requiresGrad?: boolean;
}

/** PyTorch's name for the node that computes a gradient: `mul` → `MulBackward0`. */
function gradFnName(opName: string): string {
  return `${opName.charAt(0).toUpperCase()}${opName.slice(1)}Backward0`;
}

/** Accepts both `v.reshape(2, 3)` and `v.reshape([2, 3])`, as Tensor does. */
function shapeArgs(args: number[] | [readonly number[]]): readonly number[] {
  const first = args[0];
  return Array.isArray(first) ? (first as readonly number[]) : (args as number[]);
}

/*
 * The elementwise methods, one per op declared in @kindling/tensor (whose docs they carry), installed
 * on the prototype below the class: a newly declared op is a Variable method too.
 */
type UnaryMethods = { [K in keyof typeof UNARY_OPS]: () => Variable };
type BinaryMethods = { [K in keyof typeof BINARY_OPS]: (other: Operand) => Variable };
/** Comparisons give bool Tensors, which carry no gradient. */
type CompareMethods = { [K in keyof typeof COMPARE_OPS]: (other: Operand) => BoolTensor };

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the merged methods are defined on the prototype from the op declarations
export interface Variable extends UnaryMethods, BinaryMethods, CompareMethods {}

/**
 * A Tensor that records the ops applied to it, so that `backward()` can compute gradients
 * (PyTorch's `autograd.Variable`). Every differentiable tensor op is a method with the same name
 * and meaning; the other operand of a binary op may be a Variable, a Tensor or a number (constants).
 *
 * @example
 * const w = new Variable(randn([3, 1]), { requiresGrad: true });
 * const loss = x.matmul(w).relu().mean();
 * loss.backward();
 * w.grad; // a Tensor of shape [3, 1]
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class Variable implements TensorOperand<Variable>, ScopeReferences {
  /**
   * The values. An optimizer may replace it with a tensor of the same shape; graphs already
   * recorded keep the tensors they were built from.
   */
  data: Tensor;
  /** The accumulated gradient: `backward()` adds to it until it is reset with `v.grad = null`. */
  grad: Tensor | null = null;
  private requiresGradFlag = false;
  private gradNode: Node | null = null;
  private retainsGradFlag = false;

  constructor(data: Tensor, options: VariableOptions = {}) {
    if (!isTensor(data)) throw new TypeError(`Variable: expected a Tensor, got ${typeof data}; build one with tensor([...]) from @kindling/tensor`);
    this.data = data;
    this.requiresGrad = options.requiresGrad ?? false;
  }

  /** @internal The result of a recorded op; use the op methods rather than this. */
  static fromNode(data: Tensor, node: Node): Variable {
    const result = new Variable(data);
    result.requiresGradFlag = true;
    result.gradNode = node;
    return result;
  }

  /** Whether gradients flow to this Variable. Only leaves' flag can be set. */
  get requiresGrad(): boolean {
    return this.requiresGradFlag;
  }

  set requiresGrad(value: boolean) {
    if (!this.isLeaf) {
      throw new Error(`requiresGrad: can only be changed on a leaf Variable, but this one was computed by '${this.gradNode?.name}'; use detach() to get a leaf`);
    }
    if (value && !isFloatingDType(this.data.dtype)) {
      throw new TypeError(`requiresGrad: only floating-point Variables can require gradients, but this one is ${this.data.dtype}; convert it with float() first`);
    }
    this.requiresGradFlag = value;
  }

  /** The node that computed this Variable (PyTorch's `grad_fn`), or null for a leaf. */
  get gradFn(): Node | null {
    return this.gradNode;
  }

  /** True for Variables created by the user rather than computed by a recorded op. */
  get isLeaf(): boolean {
    return this.gradNode === null;
  }

  /** Whether `backward()` also stores this non-leaf Variable's gradient in `.grad`. */
  get retainsGrad(): boolean {
    return this.retainsGradFlag;
  }

  /** Keep this non-leaf Variable's gradient in `.grad` on the next backward passes (leaves always do). */
  retainGrad(): this {
    if (!this.requiresGrad) throw new Error("retainGrad: this Variable does not require grad, so it will never receive a gradient");
    if (!this.isLeaf) this.retainsGradFlag = true;
    return this;
  }

  get shape(): Shape {
    return this.data.shape;
  }
  get dtype(): DType {
    return this.data.dtype;
  }
  get device(): string {
    return this.data.device;
  }
  get ndim(): number {
    return this.data.ndim;
  }
  /** The number of elements (torch.numel). */
  numel(): number {
    return this.data.numel();
  }
  /** `v.size()` is the shape and `v.size(dim)` one dim's length, as in PyTorch. */
  get size(): SizeMethod {
    return sizeMethod(this.data.shape, 'Variable');
  }
  /** The number of dims (PyTorch's `dim()`). */
  dim(): number {
    return this.data.ndim;
  }

  /**
   * Accumulates the gradient of this Variable with respect to every leaf that requires grad into the
   * leaves' `.grad`. A single-element output needs no `gradient`; any other needs one of its shape.
   */
  backward(options?: BackwardOptions): void;
  backward(gradient?: Tensor | Variable | null, options?: BackwardOptions): void;
  backward(gradientOrOptions?: Tensor | Variable | BackwardOptions | null, options: BackwardOptions = {}): void {
    if (gradientOrOptions instanceof Variable) return runBackward(this, gradientOrOptions.data, options);
    if (isTensor(gradientOrOptions)) return runBackward(this, gradientOrOptions, options);
    if (gradientOrOptions === null || gradientOrOptions === undefined) return runBackward(this, undefined, options);
    return runBackward(this, undefined, gradientOrOptions);
  }

  /*
   * Reads, as a Tensor's: a Variable is read for its values, which are its `data`. Where a Tensor's
   * read would throw (a freed tensor, an asynchronous backend for the Sync forms), so does this.
   */
  /** The value of a one-element Variable: a number (a boolean for bool data). */
  item(this: Variable & { readonly dtype: 'bool' }): Promise<boolean>;
  item(): Promise<number>;
  async item(): Promise<number | boolean> {
    return this.data.item();
  }
  /** Synchronous `item()`, for synchronous backends such as `cpu`. */
  itemSync(this: Variable & { readonly dtype: 'bool' }): boolean;
  itemSync(): number;
  itemSync(): number | boolean {
    return this.data.itemSync();
  }
  /** A copy of the elements in row-major order (`v.data` is the Tensor itself, as PyTorch's `.data`: `await v.data.data()` reads it asynchronously). */
  dataSync(): TypedArray {
    return this.data.dataSync();
  }
  /** The elements as nested arrays (booleans for bool data). */
  async array(): Promise<NestedArray<number | boolean>> {
    return this.data.array();
  }
  arraySync(): NestedArray<number | boolean> {
    return this.data.arraySync();
  }
  /** PyTorch's `tolist()`. */
  async tolist(): Promise<NestedArray<number | boolean>> {
    return this.data.tolist();
  }
  tolistSync(): NestedArray<number | boolean> {
    return this.data.tolistSync();
  }

  /**
   * Frees this Variable's data and gradient, and nothing else: the graph that computed it, and the
   * Variables it was computed from, stay as they are.
   */
  dispose(): void {
    this.data.dispose();
    this.grad?.dispose();
    this.grad = null;
  }

  /** `dispose()`, so that `using v = ...` frees the Variable at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** A leaf sharing this Variable's data, cut off from the graph (it does not require grad). */
  detach(): Variable {
    return new Variable(this.data);
  }

  /**
   * For scopes (tidy, a Module's forward): a Variable keeps its data, its gradient and what its
   * graph saved for backward, but not the data of the Variables it was computed from, which the
   * graph does not need.
   */
  [SCOPE_REFERENCES](): readonly unknown[] {
    return [this.data, this.grad, this.gradNode];
  }

  /** `left op this` for a Tensor on the left (`tensor.add(variable)`, `x.matmul(weight)`): recorded here. */
  [TENSOR_OPERAND](op: BinaryOp | 'matmul', left: Tensor): Variable {
    return op === 'matmul' ? linalg.matmul(left, this) : elementwise.binary(op, left, this);
  }

  /** PyTorch's printout of a tensor that takes part in autograd: `tensor([1., 2.], requires_grad=True)` or `…, grad_fn=<MulBackward0>)`. */
  toString(): string {
    const settings = this.gradNode ? [`grad_fn=<${gradFnName(this.gradNode.name)}>`] : this.requiresGrad ? ['requires_grad=True'] : [];
    return this.data.describe(settings);
  }
  /** What `console.log(v)` prints in Node: the same as `toString()`. */
  [INSPECT](): string {
    return this.toString();
  }

  // The elementwise ops (add, exp, eq, …) are installed below from their declarations.
  clamp(min?: elementwise.Bound, max?: elementwise.Bound): Variable {
    return elementwise.clamp(this, min, max);
  }
  /** This Variable with `value` where the bool `mask` (broadcast to its shape) is true (torch.masked_fill); `value` may be a Variable. */
  maskedFill(mask: Tensor, value: Operand): Variable {
    assertFillMask(this, mask);
    return elementwise.where(mask, value, this);
  }
  /** This Variable's elements where `condition` holds, `other`'s elsewhere. */
  where(condition: Variable | Tensor, other: Operand): Variable {
    return elementwise.where(condition, this, other);
  }
  // Casts and devices: the gradient returns to this Variable's dtype and device.
  to(dtypeOrDevice: DType | string): Variable {
    return elementwise.to(this, dtypeOrDevice);
  }
  float(): Variable {
    return elementwise.to(this, 'float32');
  }
  double(): Variable {
    return elementwise.to(this, 'float64');
  }
  /** An int32 copy; integer Variables carry no gradient. */
  int(): Variable {
    return elementwise.to(this, 'int32');
  }

  matmul(other: Variable | Tensor): Variable {
    return linalg.matmul(this, other);
  }
  /** Batched matrix products of [b, n, m] by [b, m, p], without broadcasting (torch.bmm). */
  bmm(other: Variable | Tensor): Variable {
    assertBatchedMatrices(this, other);
    return linalg.matmul(this, other);
  }

  // Reductions over every element or over `dim` (negative counts from the end).
  sum(dim?: number | readonly number[], keepdim = false): Variable {
    return reduction.sum(this, dim, keepdim);
  }
  mean(dim?: number | readonly number[], keepdim = false): Variable {
    return reduction.mean(this, dim, keepdim);
  }
  /** The variance over `dim` (all dims by default), with Bessel's correction unless `correction: 0` (torch.var). */
  var(dim?: number | readonly number[], options: VarianceOptions = {}): Variable {
    return variance<Variable>(this, dim, options);
  }
  /** The standard deviation: the square root of `var` (torch.std). */
  std(dim?: number | readonly number[], options: VarianceOptions = {}): Variable {
    return variance<Variable>(this, dim, options).sqrt();
  }
  max(): Variable;
  max(dim: number, keepdim?: boolean): reduction.VariableValuesAndIndices;
  max(dim?: number, keepdim = false): Variable | reduction.VariableValuesAndIndices {
    return reduction.extreme('max', this, dim, keepdim);
  }
  min(): Variable;
  min(dim: number, keepdim?: boolean): reduction.VariableValuesAndIndices;
  min(dim?: number, keepdim = false): Variable | reduction.VariableValuesAndIndices {
    return reduction.extreme('min', this, dim, keepdim);
  }
  /** int32 positions of the largest elements (no gradient). */
  argmax(dim?: number, keepdim = false): Tensor {
    return reduction.argReduce('argmax', this, dim, keepdim);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return reduction.argReduce('argmin', this, dim, keepdim);
  }
  softmax(dim: number): Variable {
    return softmaxOps.softmax(this, dim);
  }
  /** Running sums along `dim` (torch.cumsum). */
  cumsum(dim: number): Variable {
    return scan.cumsum(this, dim);
  }
  /** The int32 positions that sort this Variable along `dim`, stably (torch.argsort; no gradient). */
  argsort(dim = -1, descending = false): Tensor {
    return this.data.argsort(dim, descending);
  }
  /** The sorted values along `dim` (a gather, so the gradient goes back to where each came from) and their positions. */
  sort(dim = -1, descending = false): reduction.VariableValuesAndIndices {
    const indices = this.data.argsort(dim, descending);
    return { values: this.ndim === 0 ? this.clone() : this.gather(normalizeDim(dim, this.ndim, 'sort'), indices), indices };
  }
  /** The `k` largest (or smallest) elements along `dim`, sorted, and their positions (torch.topk). */
  topk(k: number, dim = -1, largest = true): reduction.VariableValuesAndIndices {
    const indices = topkIndices(this.data, k, dim, largest);
    return { values: this.ndim === 0 ? this.clone() : this.gather(normalizeDim(dim, this.ndim, 'topk'), indices), indices };
  }
  /** The elements on and below the `diagonal`-th diagonal of the last two dims (torch.tril); 0 elsewhere. */
  tril(diagonal = 0): Variable {
    return scan.tril(this, diagonal);
  }
  /** The elements on and above the `diagonal`-th diagonal of the last two dims (torch.triu); 0 elsewhere. */
  triu(diagonal = 0): Variable {
    return scan.triu(this, diagonal);
  }
  logSoftmax(dim: number): Variable {
    return softmaxOps.logSoftmax(this, dim);
  }

  gather(dim: number, index: Variable | Tensor): Variable {
    return indexing.gather(this, dim, index);
  }
  indexSelect(dim: number, index: Variable | Tensor): Variable {
    return indexing.indexSelect(this, dim, index);
  }
  /** Out-of-place scatter-add of `src` at `index` along `dim`; this Variable and `src` get gradients. */
  scatterAdd(dim: number, index: Variable | Tensor, src: Variable | Tensor): Variable {
    return indexing.scatterAdd(this, dim, index, src);
  }
  /** Out-of-place index-add of `src`'s slices at `index` along `dim`; this Variable and `src` get gradients. */
  indexAdd(dim: number, index: Variable | Tensor, src: Variable | Tensor): Variable {
    return indexing.indexAdd(this, dim, index, src);
  }

  // Views: no copy in the forward pass.
  reshape(...shape: number[] | [readonly number[]]): Variable {
    return views.reshape(this, shapeArgs(shape));
  }
  view(...shape: number[] | [readonly number[]]): Variable {
    return views.view(this, shapeArgs(shape));
  }
  flatten(startDim = 0, endDim = -1): Variable {
    return views.flatten(this, startDim, endDim);
  }
  transpose(dim0 = -2, dim1 = -1): Variable {
    return views.transpose(this, dim0, dim1);
  }
  /** The transpose of a matrix (rank ≤ 2). */
  /** The transpose of a matrix (rank ≤ 2), as PyTorch's `t()`. */
  t(): Variable {
    return this.T;
  }
  get T(): Variable {
    return views.matrixTranspose(this);
  }
  permute(...dims: number[] | [readonly number[]]): Variable {
    return views.permute(this, shapeArgs(dims));
  }
  squeeze(dim?: number): Variable {
    return views.squeeze(this, dim);
  }
  unsqueeze(dim: number): Variable {
    return views.unsqueeze(this, dim);
  }
  expand(...shape: number[] | [readonly number[]]): Variable {
    return views.expand(this, shapeArgs(shape));
  }
  expandAs(other: Variable | Tensor): Variable {
    return views.expandAs(this, other);
  }
  narrow(dim: number, start: number, length: number): Variable {
    return views.narrow(this, dim, start, length);
  }
  slice(dim: number, start?: number, end?: number, step?: number): Variable {
    return views.slice(this, dim, start, end, step);
  }
  select(dim: number, index: number): Variable {
    return views.select(this, dim, index);
  }
  /** Pieces along `dim` of `splitSize` elements each (the last smaller), or of the listed sizes (torch.split). */
  split(sizeOrSections: number | readonly number[], dim = 0): Variable[] {
    const d = normalizeDim(dim, this.ndim, 'split');
    return splitRanges(this.shape[d] as number, sizeOrSections, 'split').map(([start, length]) => views.narrow(this, d, start, length));
  }
  /** At most `chunks` pieces along `dim`, of equal size but the last (torch.chunk). */
  chunk(chunks: number, dim = 0): Variable[] {
    const d = normalizeDim(dim, this.ndim, 'chunk');
    return this.split(chunkSize(this.shape[d] as number, chunks), d);
  }
  contiguous(): Variable {
    return views.contiguous(this);
  }
  clone(): Variable {
    return views.clone(this);
  }
}

defineElementwiseMethods(Variable.prototype, {
  unary: (op, self) => elementwise.unary(op, self),
  // A non-number operand reaches the tensor op, whose TypeError names it.
  binary: (op, self, other) => elementwise.binary(op, self, other as Operand),
  compare: (op, self, other) => elementwise.compare(op, self, other as Operand),
});
