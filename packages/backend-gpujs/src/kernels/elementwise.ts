import { shapeSize, type BinaryOp, type CompareOp, type KernelConfig, type UnaryOp } from '@kindling/tensor';
import type { GpuJsBackend } from '../gpujs-backend.js';
import type { KernelSource, KernelThis } from '../gpujs.js';
import { BOOL_REASON, INT32_REASON, NAN_REASON, NO_KERNEL_REASON, onCpu } from './fallback.js';
import { elementwise, launch } from './support.js';

/*
 * GPUs do not promise IEEE special values from transcendental functions (SwiftShader's GLSL exp of
 * NaN is Infinity), so the kernels handle NaN, infinities and negative bases themselves.
 *
 * One gpu.js kernel function per op, each computing one output element from row-major inputs
 * (strided and broadcast inputs are made row-major first, see support.ts). gpu.js compiles a
 * function from its source text, so the op cannot be a parameter chosen inside one shared kernel
 * without every call paying for every branch.
 */

type Thread = KernelThis<Record<string, never>>;

/** gpu.js kernels for the declared ops; an op without one here runs on the cpu kernels (NO_KERNEL_REASON). */
const unaryKernels: Partial<Record<UnaryOp, KernelSource>> = {
  neg: function (this: Thread, x: Float32Array) {
    return -(x[this.thread.x] as number);
  },
  exp: function (this: Thread, x: Float32Array) {
    const v = x[this.thread.x] as number;
    return v !== v ? v : Math.exp(v);
  },
  log: function (this: Thread, x: Float32Array) {
    const v = x[this.thread.x] as number;
    // sqrt of a negative is NaN and -1 / |0| is -Infinity where GLSL's log gives 0 and -88.
    return v < 0 ? Math.sqrt(v) : v === 0 ? -1 / Math.abs(v) : Math.log(v);
  },
  sqrt: function (this: Thread, x: Float32Array) {
    return Math.sqrt(x[this.thread.x] as number);
  },
  abs: function (this: Thread, x: Float32Array) {
    return Math.abs(x[this.thread.x] as number);
  },
  relu: function (this: Thread, x: Float32Array) {
    const v = x[this.thread.x] as number;
    // `v < 0 ? 0 : v` rather than Math.max(0, v), so that NaN passes through as in PyTorch.
    return v < 0 ? 0 : v;
  },
  sigmoid: function (this: Thread, x: Float32Array) {
    const v = x[this.thread.x] as number;
    return v !== v ? v : 1 / (1 + Math.exp(-v));
  },
  tanh: function (this: Thread, x: Float32Array) {
    const v = x[this.thread.x] as number;
    // Past ±10, tanh is ±1 in float32; GLSL's exp-based tanh turns ±Infinity into NaN.
    return v > 10 ? 1 : v < -10 ? -1 : Math.tanh(v);
  },
  sign: function (this: Thread, x: Float32Array) {
    const v = x[this.thread.x] as number;
    // PyTorch's (0 < x) - (x < 0): 0 for NaN and for -0.
    return (v > 0 ? 1 : 0) - (v < 0 ? 1 : 0);
  },
};

const binaryKernels: Partial<Record<BinaryOp, KernelSource>> = {
  add: function (this: Thread, a: Float32Array, b: Float32Array) {
    return (a[this.thread.x] as number) + (b[this.thread.x] as number);
  },
  sub: function (this: Thread, a: Float32Array, b: Float32Array) {
    return (a[this.thread.x] as number) - (b[this.thread.x] as number);
  },
  mul: function (this: Thread, a: Float32Array, b: Float32Array) {
    return (a[this.thread.x] as number) * (b[this.thread.x] as number);
  },
  div: function (this: Thread, a: Float32Array, b: Float32Array) {
    return (a[this.thread.x] as number) / (b[this.thread.x] as number);
  },
  pow: function (this: Thread, a: Float32Array, b: Float32Array) {
    const x = a[this.thread.x] as number;
    const y = b[this.thread.x] as number;
    // GLSL's pow is undefined for a negative base; an integer power of one takes its sign from y's parity.
    if (x < 0 && Math.floor(y) === y) return y % 2 === 0 ? Math.pow(-x, y) : -Math.pow(-x, y);
    return Math.pow(x, y);
  },
  // Math.max and Math.min propagate NaN in JavaScript and WebAssembly, not on every GPU: say so.
  maximum: function (this: Thread, a: Float32Array, b: Float32Array) {
    const x = a[this.thread.x] as number;
    const y = b[this.thread.x] as number;
    return x !== x || y !== y ? x + y : Math.max(x, y);
  },
  minimum: function (this: Thread, a: Float32Array, b: Float32Array) {
    const x = a[this.thread.x] as number;
    const y = b[this.thread.x] as number;
    return x !== x || y !== y ? x + y : Math.min(x, y);
  },
};

// Comparisons write bool as 0 or 1; NaN compares unequal, as IEEE comparisons do everywhere.
const compareKernels: Partial<Record<CompareOp, KernelSource>> = {
  eq: function (this: Thread, a: Float32Array, b: Float32Array) {
    return (a[this.thread.x] as number) === (b[this.thread.x] as number) ? 1 : 0;
  },
  ne: function (this: Thread, a: Float32Array, b: Float32Array) {
    return (a[this.thread.x] as number) !== (b[this.thread.x] as number) ? 1 : 0;
  },
  lt: function (this: Thread, a: Float32Array, b: Float32Array) {
    return (a[this.thread.x] as number) < (b[this.thread.x] as number) ? 1 : 0;
  },
  le: function (this: Thread, a: Float32Array, b: Float32Array) {
    return (a[this.thread.x] as number) <= (b[this.thread.x] as number) ? 1 : 0;
  },
  gt: function (this: Thread, a: Float32Array, b: Float32Array) {
    return (a[this.thread.x] as number) > (b[this.thread.x] as number) ? 1 : 0;
  },
  ge: function (this: Thread, a: Float32Array, b: Float32Array) {
    return (a[this.thread.x] as number) >= (b[this.thread.x] as number) ? 1 : 0;
  },
};

const select = function (this: Thread, condition: Float32Array, a: Float32Array, b: Float32Array) {
  return (condition[this.thread.x] as number) !== 0 ? (a[this.thread.x] as number) : (b[this.thread.x] as number);
};

export const unaryConfig: KernelConfig<'Unary', GpuJsBackend> = {
  kernelName: 'Unary',
  backendName: 'gpujs',
  kernelFunc: (backend, { x, op }) => {
    const size = shapeSize(x.shape);
    if (!backend.nanAware && (op === 'exp' || op === 'sigmoid')) return onCpu(backend, 'Unary', NAN_REASON, { x, op }, { dtype: x.dtype, size });
    const source = unaryKernels[op];
    if (!source) return onCpu(backend, 'Unary', NO_KERNEL_REASON, { x, op }, { dtype: x.dtype, size });
    return elementwise(backend, [x], { dtype: x.dtype, size }, (inputs) => launch(backend, `Unary|${op}`, source, size, inputs));
  },
};

export const binaryConfig: KernelConfig<'Binary', GpuJsBackend> = {
  kernelName: 'Binary',
  backendName: 'gpujs',
  kernelFunc: (backend, { a, b, op }) => {
    const size = shapeSize(a.shape);
    const nanSensitive = !backend.nanAware && (op === 'maximum' || op === 'minimum');
    if (a.dtype !== 'float32' || nanSensitive) {
      const reason = nanSensitive ? NAN_REASON : a.dtype === 'int32' ? INT32_REASON : BOOL_REASON;
      return onCpu(backend, 'Binary', reason, { a, b, op }, { dtype: a.dtype, size });
    }
    const source = binaryKernels[op];
    if (!source) return onCpu(backend, 'Binary', NO_KERNEL_REASON, { a, b, op }, { dtype: a.dtype, size });
    return elementwise(backend, [a, b], { dtype: a.dtype, size }, (inputs) => launch(backend, `Binary|${op}`, source, size, inputs));
  },
};

export const compareConfig: KernelConfig<'Compare', GpuJsBackend> = {
  kernelName: 'Compare',
  backendName: 'gpujs',
  kernelFunc: (backend, { a, b, op }) => {
    const size = shapeSize(a.shape);
    // Only `ne` is true for NaN; the ordered comparisons are false for it wherever NaN is assumed away.
    const nanSensitive = !backend.nanAware && op === 'ne';
    if (a.dtype === 'int32' || nanSensitive) {
      return onCpu(backend, 'Compare', nanSensitive ? NAN_REASON : INT32_REASON, { a, b, op }, { dtype: 'bool', size });
    }
    const source = compareKernels[op];
    if (!source) return onCpu(backend, 'Compare', NO_KERNEL_REASON, { a, b, op }, { dtype: 'bool', size });
    return elementwise(backend, [a, b], { dtype: 'bool', size }, (inputs) => launch(backend, `Compare|${op}`, source, size, inputs));
  },
};

export const whereConfig: KernelConfig<'Where', GpuJsBackend> = {
  kernelName: 'Where',
  backendName: 'gpujs',
  kernelFunc: (backend, { condition, a, b }) => {
    const size = shapeSize(a.shape);
    if (a.dtype === 'int32') {
      return onCpu(backend, 'Where', INT32_REASON, { condition, a, b }, { dtype: 'int32', size });
    }
    return elementwise(backend, [condition, a, b], { dtype: a.dtype, size }, (inputs) => launch(backend, 'Where', select, size, inputs));
  },
};
