import type { Backend, Storage, View } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { adoptStorage, dropStorage, moveHold, trackTensor, untrackTensor } from './engine.js';
import { formatTensor } from './format.js';
import { noteHostRead, unobservedRead } from './host-reads.js';
import * as creation from './ops/creation.js';
import * as elementwise from './ops/elementwise.js';
import { defineElementwiseMethods, type BINARY_OPS, type COMPARE_OPS, type UNARY_OPS } from './ops/elementwise-ops.js';
import * as indexing from './ops/indexing.js';
import { copyInto } from './ops/in-place.js';
import * as linalg from './ops/matmul.js';
import { isTensorOperand, TENSOR_OPERAND, type TensorOperand } from './ops/operand.js';
import * as reduction from './ops/reduction.js';
import * as scan from './ops/scan.js';
import * as softmaxOps from './ops/softmax.js';
import * as statistics from './ops/statistics.js';
import { INSPECT, sizeMethod } from './ops/size.js';
import * as views from './ops/views.js';
import { contiguousStrides, isContiguous, shapeSize, type Shape } from './shape.js';

export type NestedArray<T> = T | NestedArray<T>[];
export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | Scalar;

/**
 * A tensor known to hold booleans (what comparisons and `bool()` give): its `item()` is a `boolean`.
 * A plain `Tensor` is read as numbers.
 */
export type BoolTensor = Tensor & { readonly dtype: 'bool' };

/**
 * What `t.size` is: PyTorch's `size()` method. It still reads as the element count where a number is
 * expected (`t.size * 4`, with a one-time deprecation warning), which is what `size` was before it
 * became a method; use `numel()` for that.
 */
export interface SizeMethod {
  /** The shape (PyTorch's `torch.Size`). */
  (): readonly number[];
  /** The length of dim `dim` (negative counts from the end). */
  (dim: number): number;
}

/** A binary op's method: with a Tensor or a number it gives a Tensor; with a Variable, a Variable. */
export interface BinaryMethod {
  (other: TensorOrScalar): Tensor;
  <R>(other: TensorOperand<R>): R;
}

/*
 * The elementwise methods, one per declared op (ops/elementwise-ops.ts, whose docs they carry);
 * they are installed on the prototype below the class.
 */
type UnaryMethods = { [K in keyof typeof UNARY_OPS]: () => Tensor };
type BinaryMethods = { [K in keyof typeof BINARY_OPS]: BinaryMethod };
type CompareMethods = { [K in keyof typeof COMPARE_OPS]: (other: TensorOrScalar | TensorOperand<unknown>) => BoolTensor };

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the merged methods are defined on the prototype from the op declarations
export interface Tensor extends UnaryMethods, BinaryMethods, CompareMethods {}

/**
 * An n-dimensional array. It holds a handle to storage owned by its backend plus the shape, strides,
 * offset and dtype that say how to read it; views share storage with the tensor they came from.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class Tensor implements View {
  readonly shape: Shape;
  readonly strides: readonly number[];
  /** Set by `keep()`: the tensor survives the `tidy` it was created in. */
  isKept = false;
  /** The op that made this tensor, named in the error of a read after it was freed. */
  origin: string | undefined;
  /** @internal Creation order: scopes compare it with their opening. */
  readonly serial: number;
  private disposed = false;
  /** When and by what it was freed, for the error of a later read. */
  private freedWhere: string | undefined;

  constructor(
    readonly backend: Backend,
    readonly storage: Storage,
    shape: Shape,
    readonly dtype: DType,
    strides: readonly number[] = contiguousStrides(shape),
    readonly offset = 0,
  ) {
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze([...strides]);
    if (storage === FREED_STORAGE) {
      this.disposed = true;
      this.serial = -1;
      return;
    }
    adoptStorage(backend, storage);
    this.serial = trackTensor(this);
  }

  /**
   * @internal A tensor born freed, with a shape and dtype and no storage: what a graph holds for an
   * operand its gradient does not read. Nothing is allocated or tracked; reading it throws, saying `where`.
   */
  static standIn(backend: Backend, shape: Shape, dtype: DType, where: string): Tensor {
    const standIn = new Tensor(backend, FREED_STORAGE, shape, dtype);
    standIn.freedWhere = where;
    return standIn;
  }

  /** The name of the backend holding this tensor's storage. */
  get device(): string {
    return this.backend.name;
  }

  /** The number of elements (torch.numel). */
  numel(): number {
    return shapeSize(this.shape);
  }

  /** `t.size()` is the shape and `t.size(dim)` one dim's length, as in PyTorch. */
  get size(): SizeMethod {
    return sizeMethod(this.shape, 'Tensor');
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** The number of dims (PyTorch's `dim()`; `ndim` is the same). */
  dim(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** Frees this tensor's hold on its storage; the storage goes back to the backend when no view uses it. */
  dispose(): void {
    this.free('by dispose()');
  }

  /**
   * @internal `dispose()`, saying `where` it happened (for example 'when Linear.forward returned')
   * so that a later read can tell the user.
   */
  free(where: string): void {
    if (this.disposed) return;
    this.disposed = true;
    this.freedWhere = where;
    untrackTensor(this);
    dropStorage(this.storage);
  }

  /**
   * @internal Moves this tensor onto `storage` at `offset`, where a copy of its elements already
   * is (same backend, dtype and layout). Whoever holds the tensor object sees the move: what lets an
   * optimizer pack its parameters into one storage (see ops/arena.ts).
   */
  rehome(storage: Storage, offset: number): void {
    this.assertUsable('rehome');
    moveHold(this, this.storage, storage);
    // Readonly to users; this move is the one place they change.
    const placement = this as { storage: Storage; offset: number };
    placement.storage = storage;
    placement.offset = offset;
  }

  /** `dispose()`, so that `using t = ...` frees the tensor at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Keeps this tensor alive past the end of the enclosing `tidy`. */
  keep(): this {
    this.isKept = true;
    return this;
  }

  assertUsable(opName: string): void {
    if (this.disposed) {
      const madeBy = this.origin === undefined ? '' : ` made by '${this.origin}'`;
      throw new Error(
        `${opName}: the tensor of shape [${this.shape.join(', ')}]${madeBy} was freed ${this.freedWhere ?? 'by dispose()'}; ` +
          'to read it later, keep it (t.keep(), or return it from the tidy or forward that made it) or read it before then',
      );
    }
  }

  /** A copy of the elements in row-major order. */
  async data(): Promise<TypedArray> {
    this.assertUsable('data');
    noteHostRead(this, 'data');
    return creation.readContiguous(this, (storage) => this.backend.read(storage));
  }

  /** The elements as nested arrays (booleans for bool tensors); a 0-d tensor gives its value. */
  async array(): Promise<NestedArray<number | boolean>> {
    noteHostRead(this, 'array');
    return creation.nest(await this.data(), this.shape, this.dtype);
  }

  /** The value of a one-element tensor: a number, or a boolean for a bool tensor. */
  item(this: BoolTensor): Promise<boolean>;
  item(): Promise<number>;
  async item(): Promise<number | boolean> {
    creation.assertSingleElement(this, 'item');
    noteHostRead(this, 'item');
    return creation.scalarOf((await this.data())[0] as number, this.dtype);
  }

  /** Synchronous `data()`, for synchronous backends such as `cpu`. */
  dataSync(): TypedArray {
    this.assertUsable('dataSync');
    noteHostRead(this, 'dataSync');
    const readSync = this.backend.readSync?.bind(this.backend);
    if (!readSync) {
      throw new Error(`dataSync: backend '${this.device}' is asynchronous; use await t.data() (or t.array(), t.item())`);
    }
    return creation.readContiguous(this, readSync);
  }

  arraySync(): NestedArray<number | boolean> {
    noteHostRead(this, 'arraySync');
    return creation.nest(this.dataSync(), this.shape, this.dtype);
  }

  /** Synchronous `item()`, for synchronous backends such as `cpu`. */
  itemSync(this: BoolTensor): boolean;
  itemSync(): number;
  itemSync(): number | boolean {
    creation.assertSingleElement(this, 'itemSync');
    noteHostRead(this, 'itemSync');
    return creation.scalarOf(this.dataSync()[0] as number, this.dtype);
  }

  /** PyTorch's `tolist()`: the elements as nested arrays, as `array()` gives them. */
  async tolist(): Promise<NestedArray<number | boolean>> {
    noteHostRead(this, 'tolist');
    return this.array();
  }

  /** Synchronous `tolist()`, for synchronous backends such as `cpu`. */
  tolistSync(): NestedArray<number | boolean> {
    noteHostRead(this, 'tolistSync');
    return this.arraySync();
  }

  /** PyTorch's layout: `tensor([[1.0000, 2.0000], ...])`, elided when large. */
  toString(): string {
    return this.describe([]);
  }

  /**
   * @internal `toString()` with more settings inside the parentheses (a Variable adds
   * `requires_grad=True`); a freed tensor or one on an asynchronous backend says so instead of its values.
   */
  describe(extraSettings: readonly string[]): string {
    const settings = extraSettings.map((setting) => `, ${setting}`).join('');
    if (this.disposed) return `tensor(<freed ${this.freedWhere ?? 'by dispose()'}>, shape=[${this.shape.join(', ')}]${settings})`;
    if (!this.backend.readSync) return `tensor(<on ${this.device}: await t.data() to read>, shape=[${this.shape.join(', ')}], dtype=${this.dtype}${settings})`;
    return formatTensor(unobservedRead(() => this.dataSync()), this.shape, this.dtype, this.device, extraSettings);
  }

  /** What `console.log(t)` prints in Node: the same as `toString()`. */
  [INSPECT](): string {
    return this.toString();
  }

  // Views: they share this tensor's storage.
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return views.reshape(this, views.shapeArgs(shape));
  }
  view(...shape: number[] | [readonly number[]]): Tensor {
    return views.view(this, views.shapeArgs(shape));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return views.flatten(this, startDim, endDim);
  }
  transpose(dim0 = -2, dim1 = -1): Tensor {
    return views.transpose(this, dim0, dim1);
  }
  /** The transpose of a matrix (dims 0 and 1 swapped; rank ≤ 2), as PyTorch's `t()`. */
  t(): Tensor {
    return views.matrixTranspose(this);
  }
  /** The transpose of a matrix (dims 0 and 1 swapped; rank ≤ 2). */
  get T(): Tensor {
    return views.matrixTranspose(this);
  }
  permute(...dims: number[] | [readonly number[]]): Tensor {
    return views.permute(this, views.shapeArgs(dims));
  }
  squeeze(dim?: number): Tensor {
    return views.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return views.unsqueeze(this, dim);
  }
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return views.expand(this, views.shapeArgs(shape));
  }
  expandAs(other: Tensor): Tensor {
    return views.expand(this, other.shape);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return views.narrow(this, dim, start, length);
  }
  slice(dim: number, start?: number, end?: number, step?: number): Tensor {
    return views.slice(this, dim, start, end, step);
  }
  select(dim: number, index: number): Tensor {
    return views.select(this, dim, index);
  }
  /** Views along `dim` of `splitSize` elements each (the last smaller), or of the listed sizes (torch.split). */
  split(sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
    return views.split(this, sizeOrSections, dim);
  }
  /** At most `chunks` views along `dim`, of equal size but the last (torch.chunk). */
  chunk(chunks: number, dim = 0): Tensor[] {
    return views.chunk(this, chunks, dim);
  }
  /** A contiguous copy when the tensor is not contiguous; itself otherwise (as PyTorch). */
  contiguous(): Tensor {
    return views.contiguous(this);
  }
  clone(): Tensor {
    return views.clone(this);
  }

  // In-place writes (PyTorch's trailing underscore): they change this tensor's values and return it.
  /** Writes `source` into this tensor, broadcast to its shape and converted to its dtype (PyTorch's `copy_`). */
  copy_(source: TensorOrScalar): this {
    copyInto(this, source);
    return this;
  }
  /** Sets every element to `value`. */
  fill_(value: number | boolean): this {
    copyInto(this, value, 'fill_');
    return this;
  }
  /** Sets every element to 0. */
  zero_(): this {
    copyInto(this, 0, 'zero_');
    return this;
  }

  // Casts and devices.
  float(): Tensor {
    return elementwise.cast(this, 'float32');
  }
  double(): Tensor {
    return elementwise.cast(this, 'float64');
  }
  int(): Tensor {
    return elementwise.cast(this, 'int32');
  }
  bool(): BoolTensor {
    return elementwise.cast(this, 'bool') as BoolTensor;
  }
  /** A copy with another dtype (`t.to('float64')`) or on another backend (`t.to('cpu')`). */
  to(dtypeOrDevice: DType | string): Tensor {
    return creation.to(this, dtypeOrDevice);
  }

  // The elementwise ops (add, exp, eq, …) are installed below from their declarations.
  clamp(min?: number | Tensor | null, max?: number | Tensor | null): Tensor {
    return elementwise.clamp(this, min, max);
  }
  /** This tensor with `value` where the bool `mask` (broadcast to its shape) is true (torch.masked_fill). */
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor {
    return elementwise.maskedFill(this, mask, value);
  }
  /** `where(condition, this, other)`: this tensor's elements where `condition` holds. */
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return elementwise.where(condition, this, other);
  }

  /** Matrix product (torch.matmul's rules); with a Variable operand, a differentiable Variable. */
  matmul(other: Tensor): Tensor;
  matmul<R>(other: TensorOperand<R>): R;
  matmul(other: Tensor | TensorOperand<unknown>): unknown {
    return isTensorOperand(other) ? other[TENSOR_OPERAND]('matmul', this) : linalg.matmul(this, other);
  }

  /** Batched matrix products of [b, n, m] by [b, m, p], without broadcasting (torch.bmm). */
  bmm(other: Tensor): Tensor;
  bmm<R>(other: TensorOperand<R>): R;
  bmm(other: Tensor | TensorOperand<unknown>): unknown {
    linalg.assertBatchedMatrices(this, other as { shape: readonly number[] });
    return this.matmul(other as Tensor);
  }

  // Reductions: over every element, or over `dim` (negative counts from the end).
  sum(dim?: number | readonly number[], keepdim = false): Tensor {
    return reduction.sum(this, dim, keepdim);
  }
  mean(dim?: number | readonly number[], keepdim = false): Tensor {
    return reduction.mean(this, dim, keepdim);
  }
  /** The variance over `dim` (all dims by default), with Bessel's correction unless `correction: 0` (torch.var). */
  var(dim?: number | readonly number[], options: statistics.VarianceOptions = {}): Tensor {
    return statistics.variance<Tensor>(this, dim, options);
  }
  /** The standard deviation: the square root of `var` (torch.std). */
  std(dim?: number | readonly number[], options: statistics.VarianceOptions = {}): Tensor {
    return statistics.variance<Tensor>(this, dim, options).sqrt();
  }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): reduction.ValuesAndIndices;
  max(dim?: number, keepdim = false): Tensor | reduction.ValuesAndIndices {
    return dim === undefined ? reduction.max(this) : reduction.max(this, dim, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): reduction.ValuesAndIndices;
  min(dim?: number, keepdim = false): Tensor | reduction.ValuesAndIndices {
    return dim === undefined ? reduction.min(this) : reduction.min(this, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return reduction.argmax(this, dim, keepdim);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return reduction.argmin(this, dim, keepdim);
  }
  softmax(dim: number): Tensor {
    return softmaxOps.softmax(this, dim);
  }
  /** Running sums along `dim` (torch.cumsum). */
  cumsum(dim: number): Tensor {
    return scan.cumsum(this, dim);
  }
  /** The int32 positions that sort this tensor along `dim`, stably (torch.argsort). */
  argsort(dim = -1, descending = false): Tensor {
    return scan.argsort(this, dim, descending);
  }
  /** The sorted values along `dim` and their positions (torch.sort). */
  sort(dim = -1, descending = false): reduction.ValuesAndIndices {
    return scan.sort(this, dim, descending);
  }
  /** The `k` largest (or smallest) elements along `dim`, sorted, and their positions (torch.topk). */
  topk(k: number, dim = -1, largest = true): reduction.ValuesAndIndices {
    return scan.topk(this, k, dim, largest);
  }
  /** The elements on and below the `diagonal`-th diagonal of the last two dims (torch.tril); 0 elsewhere. */
  tril(diagonal = 0): Tensor {
    return scan.tril(this, diagonal);
  }
  /** The elements on and above the `diagonal`-th diagonal of the last two dims (torch.triu); 0 elsewhere. */
  triu(diagonal = 0): Tensor {
    return scan.triu(this, diagonal);
  }
  logSoftmax(dim: number): Tensor {
    return softmaxOps.logSoftmax(this, dim);
  }

  gather(dim: number, index: Tensor): Tensor {
    return indexing.gather(this, dim, index);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return indexing.indexSelect(this, dim, index);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return indexing.scatterAdd(this, dim, index, src);
  }
  indexAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return indexing.indexAdd(this, dim, index, src);
  }
}

defineElementwiseMethods(Tensor.prototype, {
  unary: (op, self) => elementwise.unary(op, self),
  binary: (op, self, other) => (isTensorOperand(other) ? other[TENSOR_OPERAND](op, self) : elementwise.binary(op, self, elementwise.checkedOperand(op, other))),
  compare: (op, self, other) => elementwise.compare(op, self, isTensorOperand(other) ? other.data : elementwise.checkedOperand(op, other)),
});

/**
 * The storage of a stand-in (`Tensor.standIn`): a tensor born freed refers to no memory, so a graph
 * that holds one for an operand it does not read keeps no array alive (on the cpu backend the
 * collector frees an array only once nothing refers to it).
 */
const FREED_STORAGE: Storage = Object.freeze({ dtype: 'float32', size: 0 });

export function isTensor(value: unknown): value is Tensor {
  return value instanceof Tensor;
}
