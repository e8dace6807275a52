import type { Storage } from '../backend.js';
import { allocateTypedArray, dtypeOfTypedArray, isDType, isFloatingDType, toInt32, toTypedArray, type DType, type TypedArray } from '../dtype.js';
import { refreshOnReplay } from '../capture/hooks.js';
import { runKernel, uploadValues } from '../engine.js';
import { unobservedRead } from '../host-reads.js';
import type { KernelArgs, RandomDistribution } from '../kernel-names.js';
import { defaultGenerator, type Generator } from '../random.js';
import { formatShape, shapeSize, type Shape } from '../shape.js';
import type { BoolTensor, NestedArray, Tensor } from '../tensor.js';
import { cast } from './elementwise.js';
import { assertDTypeSupported, assertFitsBackend, backendFor, runToTensor, wrapStorage, type CreationOptions } from './support.js';

export type { CreationOptions } from './support.js';

export type TensorData = NestedArray<number | boolean> | TypedArray;

export interface TensorOptions extends CreationOptions {
  /** Reshapes flat data (a typed array or a flat list). */
  shape?: Shape;
}

export interface RandomOptions extends CreationOptions {
  generator?: Generator;
}

/** The shape nested lists describe; `beforeWalk` sees it before every element is visited (which is slow for huge data). */
function inferShape(data: NestedArray<number | boolean>, opName: string, beforeWalk: (shape: Shape) => void = () => {}): number[] {
  const shape: number[] = [];
  let level: NestedArray<number | boolean> = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0] as NestedArray<number | boolean>;
  }
  const flatSize = shapeSize(shape);
  beforeWalk(shape);
  const check = (node: NestedArray<number | boolean>, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) throw new Error(`${opName}: data is ragged: ${path} is a list where a number was expected`);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new Error(`${opName}: data is ragged: ${path} has ${Array.isArray(node) ? `length ${node.length}` : 'a number'} where length ${shape[depth]} was expected (shape ${formatShape(shape)})`);
    }
    for (let i = 0; i < node.length; i++) {
      // A hole (new Array(n) never filled) fails here, at the first one, not after walking the rest.
      if (!(i in node)) throw new TypeError(`${opName}: data has a hole at ${path}[${i}] (a sparse array, such as new Array(n) not filled); fill it (new Array(n).fill(0)) or pass a typed array`);
      check(node[i] as NestedArray<number | boolean>, depth + 1, `${path}[${i}]`);
    }
  };
  if (flatSize > 0) check(data, 0, 'data');
  return shape;
}

function flattenNested(data: NestedArray<number | boolean>): unknown[] {
  const out: unknown[] = [];
  const visit = (node: NestedArray<number | boolean>): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else out.push(node);
  };
  visit(data);
  return out;
}

/**
 * A tensor from numbers, booleans, nested arrays or a typed array. Plain numbers give float32 (JS
 * cannot tell 1 from 1.0, so as in TensorFlow.js); pass `dtype: 'int32'` for integers.
 *
 * @example
 * tensor([[1, 2], [3, 4]]);                          // float32 [2, 2]
 * tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] });
 */
export function tensor(data: NestedArray<boolean>, options?: TensorOptions & { dtype?: 'bool' }): BoolTensor;
export function tensor(data: TensorData, options?: TensorOptions): Tensor;
export function tensor(data: TensorData, options: TensorOptions = {}): Tensor {
  const isTyped = ArrayBuffer.isView(data);
  const dtypeGiven = options.dtype;
  const backend = backendFor(options.device);
  const inferred = isTyped ? [data.length] : inferShape(data, 'tensor', (shape) => assertFitsBackend(backend, shape, dtypeGiven ?? 'float32', 'tensor'));
  const flat: ArrayLike<unknown> = isTyped ? data : flattenNested(data);
  for (let i = 0; i < flat.length; i++) {
    const value = flat[i];
    if (typeof value !== 'number' && typeof value !== 'boolean') {
      throw new TypeError(`tensor: element ${i} is ${typeof value} (${String(value)}); expected numbers or booleans`);
    }
  }
  const dtype = options.dtype ?? (isTyped ? dtypeOfTypedArray(data) : typeof flat[0] === 'boolean' ? 'bool' : 'float32');
  const shape = options.shape ?? inferred;
  if (shapeSize(shape) !== flat.length) {
    throw new Error(`tensor: shape ${formatShape(shape)} holds ${shapeSize(shape)} elements but the data has ${flat.length}`);
  }
  assertValidShape(shape, 'tensor');
  const values = isTyped && dtypeOfTypedArray(data) === dtype ? data : toTypedArray(Array.from(flat as ArrayLike<number | boolean>, Number), dtype);
  return fromValues(values, shape, options.device);
}

/** A host array for a new tensor of `shape`, once the backend it goes to is known to hold one that large. */
function hostValues(dtype: DType, shape: Shape, device: string | undefined, opName: string): TypedArray {
  assertFitsBackend(backendFor(device), shape, dtype, opName);
  return allocateTypedArray(dtype, shapeSize(shape));
}

/** A tensor holding a copy of `values` (their dtype) with `shape`. */
export function fromValues(values: TypedArray, shape: Shape, device?: string): Tensor {
  const backend = backendFor(device);
  const dtype = dtypeOfTypedArray(values);
  assertDTypeSupported(backend, dtype, 'tensor');
  assertFitsBackend(backend, shape, dtype, 'tensor');
  return wrapStorage(backend, uploadValues(backend, values), shape, dtype);
}

export function assertValidShape(shape: Shape, opName: string): void {
  for (const extent of shape) {
    if (!Number.isInteger(extent) || extent < 0) {
      throw new RangeError(`${opName}: shape ${formatShape(shape)} has an invalid size ${extent}; sizes are non-negative integers`);
    }
  }
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number | boolean, options: CreationOptions = {}): Tensor {
  assertValidShape(shape, 'full');
  const dtype = options.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const backend = backendFor(options.device);
  assertDTypeSupported(backend, dtype, 'full');
  assertFitsBackend(backend, shape, dtype, 'full');
  if (dtype === 'int32') toInt32(Number(value), 'full');
  return runToTensor('Fill', backend, { size: shapeSize(shape), value: Number(value), dtype }, shape, dtype);
}

/**
 * The arguments of a creation function that takes a shape, as PyTorch takes them: a list
 * (`zeros([2, 3])`) or the dims one by one (`zeros(2, 3)`), then the options.
 */
export type SizeArgs<O> = [shape: Shape, options?: O] | number[] | [...dims: number[], options: O];

function shapeAndOptions<O extends object>(args: SizeArgs<O>, opName: string): [Shape, O] {
  const [first] = args;
  if (Array.isArray(first)) return [first as Shape, (args[1] ?? {}) as O];
  const last = args[args.length - 1];
  const options = typeof last === 'object' && last !== null ? (last as O) : ({} as O);
  const dims = typeof last === 'object' && last !== null ? args.slice(0, -1) : args;
  for (const dim of dims) {
    if (typeof dim !== 'number') throw new TypeError(`${opName}: expected a shape (${opName}([2, 3]) or ${opName}(2, 3)), got ${String(dim)}`);
  }
  return [dims as number[], options];
}

/** A tensor of zeros: `zeros(2, 3)` or `zeros([2, 3], { dtype })`. */
export function zeros(...args: SizeArgs<CreationOptions>): Tensor {
  const [shape, options] = shapeAndOptions(args, 'zeros');
  return full(shape, 0, options);
}

/** A tensor of ones: `ones(2, 3)` or `ones([2, 3], { dtype })`. */
export function ones(...args: SizeArgs<CreationOptions>): Tensor {
  const [shape, options] = shapeAndOptions(args, 'ones');
  return full(shape, 1, options);
}

export function zerosLike(t: Tensor, options: CreationOptions = {}): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, device: t.device, ...options });
}

export function onesLike(t: Tensor, options: CreationOptions = {}): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, device: t.device, ...options });
}

export function fullLike(t: Tensor, value: number | boolean, options: CreationOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, device: t.device, ...options });
}

/**
 * Values from `start` up to (not including) `end` in steps of `step`; `arange(n)` counts from 0.
 * All-integer arguments give int32, as PyTorch gives its integer type.
 */
export function arange(start: number, end?: number, step = 1, options: CreationOptions = {}): Tensor {
  const [from, to] = end === undefined ? [0, start] : [start, end];
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a non-zero finite number, got ${step}`);
  if ((to - from) / step < 0) throw new RangeError(`arange: cannot go from ${from} to ${to} in steps of ${step}`);
  const count = Math.max(0, Math.ceil((to - from) / step));
  const dtype = options.dtype ?? ([from, to, step].every(Number.isInteger) ? 'int32' : 'float32');
  if (dtype === 'int32' && count > 0) {
    toInt32(from, 'arange');
    toInt32(from + (count - 1) * step, 'arange');
  }
  const values = hostValues(dtype, [count], options.device, 'arange');
  for (let i = 0; i < count; i++) values[i] = from + i * step;
  return fromValues(values, [count], options.device);
}

/** `steps` evenly spaced values from `start` to `end`, both included. */
export function linspace(start: number, end: number, steps: number, options: CreationOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const values = hostValues(options.dtype ?? 'float32', [steps], options.device, 'linspace');
  const stepSize = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Symmetric from both ends, as PyTorch does, so the last value is exactly `end`.
  const half = Math.ceil(steps / 2);
  for (let i = 0; i < steps; i++) values[i] = i < half ? start + i * stepSize : end - (steps - 1 - i) * stepSize;
  return fromValues(values, [steps], options.device);
}

/** An identity matrix with `n` rows and `m` columns (square by default). */
export function eye(n: number, m = n, options: CreationOptions = {}): Tensor {
  assertValidShape([n, m], 'eye');
  const values = hostValues(options.dtype ?? 'float32', [n, m], options.device, 'eye');
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return fromValues(values, [n, m], options.device);
}

/** `shape` drawn on the device by the `Random` kernel, from the generator's next Philox stream. */
function deviceRandom(shape: Shape, options: RandomOptions, opName: string, distribution: RandomDistribution, defaultDType: DType): Tensor {
  assertValidShape(shape, opName);
  const dtype = options.dtype ?? defaultDType;
  const backend = backendFor(options.device);
  assertDTypeSupported(backend, dtype, opName);
  assertFitsBackend(backend, shape, dtype, opName);
  const generator = options.generator ?? defaultGenerator;
  // Each step draws a fresh stream, a replayed one too.
  refreshOnReplay<KernelArgs['Random']>((args) => ({ ...args, stream: generator.nextStream() }));
  return runToTensor('Random', backend, { size: shapeSize(shape), dtype, distribution, stream: generator.nextStream() }, shape, dtype);
}

function assertFloatingRandom(dtype: DType | undefined, opName: string): void {
  if (dtype !== undefined && !isFloatingDType(dtype)) throw new TypeError(`${opName}: draws floating-point values, so the dtype must be float32 or float64, got ${dtype}`);
}

/** Uniform samples in [0, 1) from the seeded generator, drawn on the device (24 random bits each, whatever the dtype). */
export function rand(...args: SizeArgs<RandomOptions>): Tensor {
  const [shape, options] = shapeAndOptions(args, 'rand');
  assertFloatingRandom(options.dtype, 'rand');
  return deviceRandom(shape, options, 'rand', { kind: 'uniform' }, 'float32');
}

/** Standard normal samples from the seeded generator, drawn on the device (Box-Muller). */
export function randn(...args: SizeArgs<RandomOptions>): Tensor {
  const [shape, options] = shapeAndOptions(args, 'randn');
  assertFloatingRandom(options.dtype, 'randn');
  return deviceRandom(shape, options, 'randn', { kind: 'normal' }, 'float32');
}

/** Integers in [low, high) from the seeded generator, drawn on the device (int32 unless `dtype` says otherwise). */
export function randint(low: number, high: number, shape: Shape, options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new RangeError(`randint: expected integers with low < high, got low=${low}, high=${high}`);
  }
  if (high - low > 2 ** 31) throw new RangeError(`randint: the range [${low}, ${high}) holds more than 2^31 integers`);
  return deviceRandom(shape, options, 'randint', { kind: 'integer', low, high }, 'int32');
}

/** A random permutation of 0..n-1 (Fisher-Yates on the seeded generator). */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  assertValidShape([n], 'randperm');
  const generator = options.generator ?? defaultGenerator;
  const values = hostValues(options.dtype ?? 'int32', [n], options.device, 'randperm');
  for (let i = 0; i < n; i++) values[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = generator.integer(0, i + 1);
    const swap = values[i] as number;
    values[i] = values[j] as number;
    values[j] = swap;
  }
  return fromValues(values, [n], options.device);
}

/**
 * Reads a tensor's elements in row-major order through `read`, materialising a contiguous copy first
 * when the tensor is a strided view.
 */
export function readContiguous<R extends TypedArray | Promise<TypedArray>>(t: Tensor, read: (storage: Storage) => R): R {
  if (t.isContiguous() && t.offset === 0 && t.storage.size === t.numel()) return read(t.storage);
  const copy = runKernel('Contiguous', t.backend, { x: t }, { dtype: t.dtype, size: t.numel() });
  const result = read(copy);
  if (result instanceof Promise) {
    return result.finally(() => t.backend.release(copy)) as R;
  }
  t.backend.release(copy);
  return result;
}

export function scalarOf(value: number, dtype: DType): number | boolean {
  return dtype === 'bool' ? value !== 0 : value;
}

export function nest(values: TypedArray, shape: Shape, dtype: DType): NestedArray<number | boolean> {
  const build = (depth: number, start: number): NestedArray<number | boolean> => {
    if (depth === shape.length) return scalarOf(values[start] as number, dtype);
    const extent = shape[depth] as number;
    const inner = shapeSize(shape.slice(depth + 1));
    return Array.from({ length: extent }, (_, i) => build(depth + 1, start + i * inner));
  };
  return build(0, 0);
}

export function assertSingleElement(t: Tensor, opName: string): void {
  if (t.numel() !== 1) {
    throw new Error(`${opName}: only a one-element tensor can be read as a number, but this one has shape ${formatShape(t.shape)}`);
  }
}

/**
 * `t.to(dtype)` casts; `t.to(device)` copies onto another backend. Like PyTorch, it returns `t`
 * itself when nothing changes.
 */
export function to(t: Tensor, dtypeOrDevice: DType | string): Tensor {
  t.assertUsable('to');
  if (isDType(dtypeOrDevice)) return dtypeOrDevice === t.dtype ? t : cast(t, dtypeOrDevice);
  if (dtypeOrDevice === t.device) return t;
  const target = backendFor(dtypeOrDevice);
  assertDTypeSupported(target, t.dtype, 'to');
  if (!t.backend.readSync) {
    throw new Error(
      `to: backend '${t.device}' is asynchronous, so a tensor cannot leave it synchronously; ` +
        `use tensor(await t.data(), { shape: t.shape, device: '${dtypeOrDevice}' })`,
    );
  }
  return wrapStorage(target, uploadValues(target, unobservedRead(() => t.dataSync()), t), t.shape, t.dtype);
}
