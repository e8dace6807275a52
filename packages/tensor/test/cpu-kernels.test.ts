import { describe, expect, it } from 'vitest';
import { listBackends } from '../src/backend-registry.js';
import { CpuBackend, type CpuStorage, registerCpuBackend } from '../src/backends/cpu/cpu-backend.js';
import { binaryImpl, compareImpl, whereImpl } from '../src/backends/cpu/kernels/binary.js';
import { intPow } from '../src/backends/cpu/elementwise-codegen.js';
import { concatImpl } from '../src/backends/cpu/kernels/concat.js';
import { castImpl, contiguousImpl } from '../src/backends/cpu/kernels/copy.js';
import { fillImpl } from '../src/backends/cpu/kernels/fill.js';
import { mulHiLo, philoxBlock } from '../src/backends/cpu/kernels/random.js';
import { gatherImpl, oneHotImpl, scatterAddImpl } from '../src/backends/cpu/kernels/indexing.js';
import { matmulImpl } from '../src/backends/cpu/kernels/matmul.js';
import { argReduceImpl, reduceImpl } from '../src/backends/cpu/kernels/reduce.js';
import { softmaxImpl } from '../src/backends/cpu/kernels/softmax.js';
import { unaryImpl } from '../src/backends/cpu/kernels/unary.js';
import { contiguousInput, contiguousValues, permuteInput, type StridedInput, stridedOffsets } from '../src/backends/cpu/strided.js';
import type { TypedArray } from '../src/dtype.js';
import { runKernel } from '../src/engine.js';
import { KERNEL_NAMES } from '../src/kernel-names.js';
import { getKernel, registeredKernelNames } from '../src/kernel-registry.js';

const f32 = (values: number[], shape: number[]): StridedInput => contiguousInput(Float32Array.from(values), shape);
const f64 = (values: number[], shape: number[]): StridedInput => contiguousInput(Float64Array.from(values), shape);
const i32 = (values: number[], shape: number[]): StridedInput => contiguousInput(Int32Array.from(values), shape);
const bool = (values: number[], shape: number[]): StridedInput => contiguousInput(Uint8Array.from(values), shape);
const strided = (values: TypedArray, shape: number[], strides: number[], offset = 0): StridedInput => ({ values, shape, strides, offset });
/** The last two dims swapped: a transposed view over the same storage. */
const transposed = (x: StridedInput): StridedInput => {
  const order = x.shape.map((_, d) => d);
  order.splice(-2, 2, x.shape.length - 1, x.shape.length - 2);
  return permuteInput(x, order);
};
const iota = (n: number, scale = 1): number[] => Array.from({ length: n }, (_, i) => (i - n / 3) * scale);
const list = (values: TypedArray): number[] => Array.from(values);

describe('strided iteration', () => {
  it('walks a contiguous window in order', () => {
    expect(list(stridedOffsets([2, 3], [3, 1], 4))).toEqual([4, 5, 6, 7, 8, 9]);
  });
  it('walks transposed, broadcast and scalar windows', () => {
    expect(list(stridedOffsets([3, 2], [1, 3], 0))).toEqual([0, 3, 1, 4, 2, 5]);
    expect(list(stridedOffsets([2, 3], [0, 1], 1))).toEqual([1, 2, 3, 1, 2, 3]);
    expect(list(stridedOffsets([2, 2, 2], [4, 0, 1], 0))).toEqual([0, 1, 0, 1, 4, 5, 4, 5]);
    expect(list(stridedOffsets([], [], 7))).toEqual([7]);
    expect(list(stridedOffsets([2, 0, 3], [0, 3, 1], 0))).toEqual([]);
  });
  it('shares memory when the input is already contiguous and copies otherwise', () => {
    const values = Float32Array.from([0, 1, 2, 3, 4, 5]);
    expect(contiguousValues(strided(values, [2, 2], [2, 1], 2)).buffer).toBe(values.buffer);
    expect(list(contiguousValues(strided(values, [2, 3], [1, 2])))).toEqual([0, 2, 4, 1, 3, 5]);
  });
});

describe('Fill, Contiguous and Cast', () => {
  it('fills with the dtype conversion', () => {
    expect(list(fillImpl(3, 2.5, 'float32'))).toEqual([2.5, 2.5, 2.5]);
    expect(list(fillImpl(2, -2.7, 'int32'))).toEqual([-2, -2]);
    expect(list(fillImpl(2, 0.5, 'bool'))).toEqual([1, 1]);
    expect(fillImpl(2, 1, 'float64')).toBeInstanceOf(Float64Array);
  });
  it('copies strided and broadcast views into fresh row-major memory', () => {
    const values = Float32Array.from([1, 2, 3]);
    const out = contiguousImpl(strided(values, [2, 3], [0, 1]));
    expect(list(out)).toEqual([1, 2, 3, 1, 2, 3]);
    const same = contiguousImpl(contiguousInput(values, [3]));
    expect(same.buffer).not.toBe(values.buffer);
  });
  it('truncates toward zero, refuses what int32 cannot hold and maps nonzero to true', () => {
    const x = f32([-2.7, -0.5, 0, 0.5, 2.7, -3], [6]);
    expect(list(castImpl(x, 'int32'))).toEqual([-2, 0, 0, 0, 2, -3]);
    expect(list(castImpl(x, 'bool'))).toEqual([1, 1, 0, 1, 1, 1]);
    expect(list(castImpl(f64([NaN, 0], [2]), 'bool'))).toEqual([1, 0]);
    expect(() => castImpl(f64([2 ** 31], [1]), 'int32')).toThrow(new RangeError('cast: 2147483648 does not fit int32 (integers from -2147483648 to 2147483647); use a float32 or float64 tensor for it'));
    expect(() => castImpl(f32([0, NaN], [2]), 'int32')).toThrow('cast: NaN does not fit int32');
    expect(list(castImpl(f64([2 ** 31 - 0.5, -(2 ** 31)], [2]), 'int32'))).toEqual([2 ** 31 - 1, -(2 ** 31)]);
    expect(castImpl(i32([1, 2], [2]), 'float64')).toBeInstanceOf(Float64Array);
    expect(list(castImpl(strided(Int32Array.from([1, 2, 3, 4]), [2, 2], [1, 2]), 'float32'))).toEqual([1, 3, 2, 4]);
  });
});

describe('Unary', () => {
  const x = f32([-2, -0.5, 0, 1.5, NaN], [5]);
  it('computes each op in the input dtype', () => {
    expect(list(unaryImpl('neg', x)).slice(0, 4)).toEqual([2, 0.5, -0, -1.5]);
    expect(list(unaryImpl('relu', x))).toEqual([0, 0, 0, 1.5, NaN]);
    expect(list(unaryImpl('sign', x))).toEqual([-1, -1, 0, 1, 0]);
    expect(list(unaryImpl('abs', x)).slice(0, 4)).toEqual([2, 0.5, 0, 1.5]);
    expect(unaryImpl('exp', x)[3]).toBeCloseTo(Math.exp(1.5), 5);
    expect(unaryImpl('sigmoid', x)[0]).toBeCloseTo(1 / (1 + Math.exp(2)), 6);
    expect(unaryImpl('sigmoid', f64([-1000, 1000], [2]))).toEqual(Float64Array.from([0, 1]));
    expect(unaryImpl('tanh', x)[0]).toBeCloseTo(Math.tanh(-2), 6);
    expect(unaryImpl('sqrt', f64([4, -1], [2]))).toEqual(Float64Array.from([2, NaN]));
    expect(unaryImpl('log', f64([Math.E, 0], [2]))).toEqual(Float64Array.from([1, -Infinity]));
    expect(unaryImpl('neg', x)).toBeInstanceOf(Float32Array);
  });
  it('reads transposed views', () => {
    const t = transposed(f64([1, -2, 3, -4, 5, -6], [2, 3]));
    expect(list(unaryImpl('relu', t))).toEqual([1, 0, 0, 5, 3, 0]);
  });
});

describe('Binary, Compare and Where', () => {
  it('broadcasts stride-0 operands', () => {
    const a = f32([1, 2, 3, 4, 5, 6], [2, 3]);
    const row = strided(Float32Array.from([10, 20, 30]), [2, 3], [0, 1]);
    const col = strided(Float32Array.from([100, 200]), [2, 3], [1, 0]);
    expect(list(binaryImpl('add', a, row))).toEqual([11, 22, 33, 14, 25, 36]);
    expect(list(binaryImpl('sub', a, col))).toEqual([-99, -98, -97, -196, -195, -194]);
  });
  it('matches PyTorch on div, pow, maximum and minimum', () => {
    const a = f64([1, -8, 2, NaN], [4]);
    const b = f64([4, 2, 0.5, 1], [4]);
    expect(list(binaryImpl('div', a, b))).toEqual([0.25, -4, 4, NaN]);
    expect(list(binaryImpl('pow', a, b))).toEqual([1, 64, Math.SQRT2, NaN]);
    expect(list(binaryImpl('maximum', a, b))).toEqual([4, 2, 2, NaN]);
    expect(list(binaryImpl('minimum', a, b))).toEqual([1, -8, 0.5, NaN]);
  });
  it('wraps int32 results', () => {
    const big = i32([2 ** 31 - 1, 65536, 3, -7], [4]);
    const other = i32([1, 65536, 21, 2], [4]);
    expect(list(binaryImpl('add', big, other))).toEqual([-(2 ** 31), 131072, 24, -5]);
    expect(list(binaryImpl('mul', big, other))).toEqual([2 ** 31 - 1, 0, 63, -14]);
    expect(list(binaryImpl('mul', i32([123456789], [1]), i32([987654321], [1])))).toEqual([Math.imul(123456789, 987654321)]);
    expect(list(binaryImpl('pow', big, other)).slice(2)).toEqual([intPow(3, 21), 49]);
    expect(intPow(3, 21)).toBe(Number(BigInt.asIntN(32, 3n ** 21n)));
    expect(intPow(2, -1)).toBe(0);
  });
  it('treats bool results as logical', () => {
    const a = bool([0, 1, 1, 0], [4]);
    const b = bool([0, 1, 0, 1], [4]);
    expect(list(binaryImpl('add', a, b))).toEqual([0, 1, 1, 1]);
    expect(list(binaryImpl('mul', a, b))).toEqual([0, 1, 0, 0]);
  });
  it('compares into bool, NaN unequal to everything', () => {
    const a = f32([1, 2, NaN, 4], [4]);
    const b = strided(Float32Array.from([2]), [4], [0]);
    expect(compareImpl('lt', a, b)).toEqual(Uint8Array.from([1, 0, 0, 0]));
    expect(list(compareImpl('le', a, b))).toEqual([1, 1, 0, 0]);
    expect(list(compareImpl('eq', a, b))).toEqual([0, 1, 0, 0]);
    expect(list(compareImpl('ne', a, b))).toEqual([1, 0, 1, 1]);
    expect(list(compareImpl('gt', a, b))).toEqual([0, 0, 0, 1]);
    expect(list(compareImpl('ge', a, b))).toEqual([0, 1, 0, 1]);
  });
  it('selects with where over broadcast operands', () => {
    const condition = strided(Uint8Array.from([1, 0, 1]), [2, 3], [0, 1]);
    const a = i32([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = strided(Int32Array.from([-1]), [2, 3], [0, 0]);
    const out = whereImpl(condition, a, b);
    expect(out).toBeInstanceOf(Int32Array);
    expect(list(out)).toEqual([1, -1, 3, 4, -1, 6]);
  });
});

function naiveMatmul(a: StridedInput, b: StridedInput): number[] {
  const at = (x: StridedInput, index: number[]): number =>
    x.values[index.reduce((o, i, d) => o + i * (x.strides[d] as number), x.offset)] as number;
  const rank = a.shape.length;
  const [m, k, n] = [a.shape[rank - 2] as number, a.shape[rank - 1] as number, b.shape[rank - 1] as number];
  const batches = a.shape.slice(0, -2).reduce((s, e) => s * e, 1);
  const out: number[] = [];
  for (let t = 0; t < batches; t++) {
    const batchIndex: number[] = [];
    for (let d = rank - 3, rest = t; d >= 0; d--) {
      batchIndex.unshift(rest % (a.shape[d] as number));
      rest = Math.floor(rest / (a.shape[d] as number));
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += at(a, [...batchIndex, i, p]) * at(b, [...batchIndex, p, j]);
        out.push(sum);
      }
    }
  }
  return out;
}

describe('MatMul', () => {
  const a = f64(iota(2 * 3 * 4, 0.5), [2, 3, 4]);
  const b = f64(iota(2 * 4 * 5, 0.25), [2, 4, 5]);
  it('multiplies contiguous batches', () => {
    expect(list(matmulImpl(a, b))).toEqual(naiveMatmul(a, b));
  });
  it('multiplies transposed operands', () => {
    const aT = transposed(f64(iota(2 * 4 * 3, 0.5), [2, 4, 3]));
    const bT = transposed(f64(iota(2 * 5 * 4, 0.25), [2, 5, 4]));
    expect(list(matmulImpl(aT, b))).toEqual(naiveMatmul(aT, b));
    expect(list(matmulImpl(a, bT))).toEqual(naiveMatmul(a, bT));
    expect(list(matmulImpl(aT, bT))).toEqual(naiveMatmul(aT, bT));
  });
  it('multiplies batch-broadcast, batch-permuted and offset operands', () => {
    const shared = strided(Float64Array.from(iota(4 * 5)), [3, 4, 5], [0, 5, 1]);
    const left = f64(iota(3 * 2 * 4), [3, 2, 4]);
    expect(list(matmulImpl(left, shared))).toEqual(naiveMatmul(left, shared));
    const sharedT = strided(Float64Array.from(iota(1 + 4 * 5)), [3, 4, 5], [0, 1, 4], 1);
    expect(list(matmulImpl(left, sharedT))).toEqual(naiveMatmul(left, sharedT));
    // [2, 3, m, k] stored as [3, 2, m, k]: the batch dims themselves are permuted.
    const batchPermuted = permuteInput(f64(iota(3 * 2 * 2 * 4), [3, 2, 2, 4]), [1, 0, 2, 3]);
    const right = f64(iota(2 * 3 * 4 * 3), [2, 3, 4, 3]);
    expect(list(matmulImpl(batchPermuted, right))).toEqual(naiveMatmul(batchPermuted, right));
  });
  it('keeps the dtype: float32 summed in float64, int32 wrapping', () => {
    const x = f32([0.1, 0.2, 0.3], [1, 3]);
    const y = f32([1e8, 1, -1e8], [3, 1]);
    const out = matmulImpl(x, y);
    expect(out).toBeInstanceOf(Float32Array);
    expect(out[0]).toBe(Math.fround(Math.fround(0.1) * 1e8 + Math.fround(0.2) - Math.fround(0.3) * 1e8));
    const ints = matmulImpl(i32([65536, 65536], [1, 2]), i32([65536, 1], [2, 1]));
    expect(ints).toBeInstanceOf(Int32Array);
    expect(list(ints)).toEqual([65536]);
  });
  it('handles empty inner and outer dims', () => {
    expect(list(matmulImpl(f32([], [2, 0]), f32([], [0, 3])))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(matmulImpl(f32([], [0, 2]), f32([1, 2], [2, 1])).length).toBe(0);
  });
});

describe('Reduce and ArgReduce', () => {
  const x = f32([1, 2, 3, 4, 5, 6], [2, 3]);
  it('sums, averages and finds extremes over any dims', () => {
    expect(list(reduceImpl('sum', x, [0]))).toEqual([5, 7, 9]);
    expect(list(reduceImpl('sum', x, [1]))).toEqual([6, 15]);
    expect(list(reduceImpl('mean', x, [0, 1]))).toEqual([3.5]);
    expect(list(reduceImpl('max', x, [0]))).toEqual([4, 5, 6]);
    expect(list(reduceImpl('min', x, [1]))).toEqual([1, 4]);
    const cube = f64(iota(24), [2, 3, 4]);
    expect(list(reduceImpl('sum', cube, [0, 2]))).toEqual(
      [0, 1, 2].map((j) => [0, 1].reduce((s, i) => s + [0, 1, 2, 3].reduce((t, l) => t + (cube.values[i * 12 + j * 4 + l] as number), 0), 0)),
    );
  });
  it('reduces transposed and broadcast views', () => {
    expect(list(reduceImpl('sum', transposed(x), [1]))).toEqual([5, 7, 9]);
    expect(list(reduceImpl('mean', strided(Float32Array.from([2, 4]), [3, 2], [0, 1]), [0]))).toEqual([2, 4]);
  });
  it('propagates NaN through max and min', () => {
    const withNaN = f32([1, NaN, 3, -1, 2, 0], [2, 3]);
    expect(list(reduceImpl('max', withNaN, [1]))).toEqual([NaN, 2]);
    expect(list(reduceImpl('min', withNaN, [0]))).toEqual([-1, NaN, 0]);
    expect(list(reduceImpl('max', f32([NaN, 5], [2]), [0]))).toEqual([NaN]);
  });
  it('accumulates sums in float64 and refuses an int32 sum that int32 cannot hold', () => {
    const values = [1e8, 1, -1e8, 1];
    expect(list(reduceImpl('sum', f32(values, [4]), [0]))).toEqual([2]);
    expect(() => reduceImpl('sum', i32([2 ** 31 - 1, 1], [2]), [0])).toThrow(
      new RangeError('sum: the integer sum 2147483648 does not fit int32 (-2147483648 to 2147483647); sum a float64 copy instead: t.double().sum()'),
    );
    // Partial sums may leave the range as long as the result is back in it.
    expect(list(reduceImpl('sum', i32([2 ** 31 - 1, 1, -2], [3]), [0]))).toEqual([2 ** 31 - 2]);
    expect(reduceImpl('sum', bool([1, 1, 0], [3]), [0])).toEqual(Int32Array.from([2]));
  });
  it('picks the first extreme on ties, and the first NaN', () => {
    const ties = f32([3, 1, 3, 1, 0, 2, 2, 0], [2, 4]);
    expect(argReduceImpl('argmax', ties, 1)).toEqual(Int32Array.from([0, 1]));
    expect(list(argReduceImpl('argmin', ties, 1))).toEqual([1, 0]);
    expect(list(argReduceImpl('argmax', ties, 0))).toEqual([0, 1, 0, 0]);
    expect(list(argReduceImpl('argmax', f32([1, NaN, 5, NaN], [4]), 0))).toEqual([1]);
    expect(list(argReduceImpl('argmin', transposed(ties), 0))).toEqual([1, 0]);
  });
});

describe('Softmax', () => {
  const reference = (row: number[], log: boolean): number[] => {
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    return row.map((v) => (log ? v - max - Math.log(sum) : Math.exp(v - max) / sum));
  };
  it('normalises along the last dim without overflowing', () => {
    const out = softmaxImpl(f64([1000, 1001, 1002, -1, 0, 1], [2, 3]), 1, false);
    expect(list(out)).toEqual([...reference([1000, 1001, 1002], false), ...reference([-1, 0, 1], false)]);
    const logOut = softmaxImpl(f64([1000, 1001, 1002], [1, 3]), 1, true);
    expect(list(logOut)).toEqual(reference([1000, 1001, 1002], true));
  });
  it('normalises along an inner dim and over transposed input, writing row-major', () => {
    const x = f64([1, 2, 3, 4, 5, 7], [2, 3]);
    const out = softmaxImpl(x, 0, true);
    const columns = [0, 1, 2].map((j) => reference([x.values[j] as number, x.values[j + 3] as number], true));
    expect(list(out)).toEqual([...columns.map((c) => c[0]), ...columns.map((c) => c[1])]);
    const t = transposed(x);
    expect(list(softmaxImpl(t, 1, true))).toEqual(columns.flat());
    expect(softmaxImpl(f32([1, 2], [2]), 0, false)).toBeInstanceOf(Float32Array);
  });
});

describe('indexing kernels', () => {
  const x = f32([1, 2, 3, 4, 5, 6], [2, 3]);
  it('gathers along each dim, with a strided index', () => {
    expect(list(gatherImpl(x, i32([1, 0, 1], [1, 3]), 0))).toEqual([4, 2, 6]);
    expect(list(gatherImpl(x, i32([2, 2, 0, 1], [2, 2]), 1))).toEqual([3, 3, 4, 5]);
    const indexT = strided(Int32Array.from([2, 0, 2, 1]), [2, 2], [1, 2]);
    expect(list(gatherImpl(transposed(x), indexT, 0))).toEqual([3, 6, 1, 5]);
  });
  it('scatter-adds with repeated indices onto a copy of base', () => {
    const baseValues = Float32Array.from([0, 0, 0, 0, 0, 0]);
    const base = contiguousInput(baseValues, [2, 3]);
    const src = f32([1, 2, 3, 10, 20, 30], [2, 3]);
    expect(list(scatterAddImpl(base, i32([1, 1, 0, 1, 0, 0], [2, 3]), src, 0))).toEqual([0, 20, 33, 11, 2, 0]);
    expect(list(scatterAddImpl(base, i32([2, 2], [2, 1]), src, 1))).toEqual([0, 0, 1, 0, 0, 10]);
    expect(list(baseValues)).toEqual([0, 0, 0, 0, 0, 0]);
    const broadcastBase = strided(Float32Array.from([100]), [2, 3], [0, 0]);
    expect(list(scatterAddImpl(broadcastBase, i32([0, 0, 0], [1, 3]), src, 1))).toEqual([106, 100, 100, 100, 100, 100]);
  });
  it('one-hot encodes any index shape', () => {
    const out = oneHotImpl(i32([2, 0, 1, 2], [2, 2]), 3);
    expect(out).toBeInstanceOf(Int32Array);
    expect(list(out)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(list(oneHotImpl(strided(Int32Array.from([1]), [2], [0]), 2))).toEqual([0, 1, 0, 1]);
  });
});

describe('Concat', () => {
  it('joins along the first, middle and last dims', () => {
    const a = f32([1, 2, 3, 4], [2, 2]);
    const b = f32([5, 6], [1, 2]);
    expect(list(concatImpl([a, b], 0, [3, 2]))).toEqual([1, 2, 3, 4, 5, 6]);
    const c = f32([7, 8], [2, 1]);
    expect(list(concatImpl([a, c], 1, [2, 3]))).toEqual([1, 2, 7, 3, 4, 8]);
    const cube = f64([0, 1, 2, 3, 4, 5, 6, 7], [2, 2, 2]);
    const slab = f64([100, 101, 102, 103], [2, 1, 2]);
    expect(list(concatImpl([cube, slab], 1, [2, 3, 2]))).toEqual([0, 1, 2, 3, 100, 101, 4, 5, 6, 7, 102, 103]);
  });
  it('reads transposed and broadcast inputs, and empty ones', () => {
    const a = transposed(f32([1, 2, 3, 4], [2, 2]));
    const b = strided(Float32Array.from([9]), [2, 2], [0, 0]);
    const empty = f32([], [2, 0]);
    expect(list(concatImpl([a, empty, b], 1, [2, 4]))).toEqual([1, 3, 9, 9, 2, 4, 9, 9]);
  });
});

describe('CpuBackend and registration', () => {
  it('registers nothing on import, then everything once, idempotently', () => {
    // Importing registers nothing (the registry registers the cpu backend itself on first use).
    expect(getKernel('Fill', 'cpu')).toBeUndefined();
    registerCpuBackend();
    registerCpuBackend();
    expect(listBackends().filter((info) => info.name === 'cpu')).toHaveLength(1);
    expect(registeredKernelNames('cpu').sort()).toEqual([...KERNEL_NAMES].sort());
  });
  it('copies on upload and read, and counts live storages', () => {
    const backend = new CpuBackend();
    const values = Float32Array.from([1, 2, 3]);
    const storage = backend.upload(values);
    values[0] = 99;
    expect(storage.dtype).toBe('float32');
    expect(storage.size).toBe(3);
    const read = backend.readSync(storage);
    read[1] = 99;
    expect(list(backend.readSync(storage))).toEqual([1, 2, 3]);
    const filled = backend.adopt(fillImpl(2, 1, 'bool'));
    expect(filled.dtype).toBe('bool');
    expect(backend.liveStorageCount()).toBe(2);
    backend.release(storage);
    backend.release(storage);
    expect(backend.liveStorageCount()).toBe(1);
  });
  it('runs kernels on views through the registry', async () => {
    registerCpuBackend();
    const backend = new CpuBackend();
    const storage = backend.upload(Float32Array.from([1, 2, 3, 4, 5, 6]));
    const view = { storage, dtype: 'float32' as const, shape: [3, 2], strides: [1, 3], offset: 0 };
    const out = runKernel('Contiguous', backend, { x: view }, { dtype: view.dtype, size: 6 });
    expect(list(await backend.read(out as CpuStorage))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(backend.liveStorageCount()).toBe(2);
  });
});

describe('Philox4x32-10', () => {
  // The known-answer tests of Random123 (Salmon et al.), whose generator the Random kernel implements.
  it('gives the published known answers', () => {
    const hex = (words: readonly number[]) => words.map((w) => w.toString(16).padStart(8, '0')).join(' ');
    expect(hex(philoxBlock([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    expect(hex(philoxBlock([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]))).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    expect(hex(philoxBlock([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });

  it('multiplies 32-bit words exactly', () => {
    for (const [a, b] of [[0xffffffff, 0xffffffff], [0xd2511f53, 0x12345678], [1, 0xffffffff], [0x10000, 0x10000]] as const) {
      const product = BigInt(a) * BigInt(b);
      expect(mulHiLo(a, b)).toEqual([Number(product >> 32n), Number(product & 0xffffffffn)]);
    }
  });
});
