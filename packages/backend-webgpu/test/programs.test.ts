import { describe, expect, it } from 'vitest';
import { bucketBytes, MIN_BUCKET_BYTES } from '../src/index.js';
import { binaryProgram, unaryProgram } from '../src/programs/declared.js';
import { FusedChain } from '../src/programs/fused-elementwise.js';
import { MatmulProgram, matrixLayout } from '../src/programs/matmul.js';
import { ReduceProgram } from '../src/programs/reduce.js';
import type { Storage, View } from '@kindling/tensor';

/** A view for program builders, which only read shapes, strides and dtypes. */
function view(shape: number[], strides: number[], dtype: 'float32' | 'int32' | 'bool' = 'float32', offset = 0): View {
  const storage: Storage = { dtype, size: 0 };
  return { storage, dtype, shape, strides, offset };
}

describe('the buffer pool buckets', () => {
  it('rounds up to powers of two of at least 256 bytes', () => {
    expect(MIN_BUCKET_BYTES).toBe(256);
    expect([1, 256, 257, 1000, 4096, 4097].map((n) => bucketBytes(n))).toEqual([256, 256, 512, 1024, 4096, 8192]);
  });

  it('gives an exact size when the power of two would pass the device limit, and refuses what cannot fit', () => {
    expect(bucketBytes(600, 1000)).toBe(768);
    // Past 64 MiB, whole MiB: MNIST's 172,480,000 bytes of training images take 165 MiB, not 256.
    expect(bucketBytes(64 * 2 ** 20)).toBe(64 * 2 ** 20);
    expect(bucketBytes(172_480_000)).toBe(165 * 2 ** 20);
    expect(() => bucketBytes(2000, 1000)).toThrow(/larger than this device's largest buffer/);
  });
});

describe('program keys encode every specialisation', () => {
  it('distinguishes op, dtype, rank and row-major operands, and drops the rank when every operand is row-major', () => {
    const rowMajor = view([2, 3], [3, 1]);
    const transposed = view([2, 3], [1, 2]);
    expect(binaryProgram('add', rowMajor, rowMajor, 'float32').key).toBe('binary:add|r0|float32c,float32c|float32');
    expect(binaryProgram('add', rowMajor, transposed, 'float32').key).toBe('binary:add|r2|float32c,float32s|float32');
    expect(binaryProgram('mul', rowMajor, rowMajor, 'int32').key).not.toBe(binaryProgram('mul', rowMajor, rowMajor, 'float32').key);
    expect(unaryProgram('relu', view([4], [1], 'int32')).key).toBe('unary:relu|r0|int32c|int32');
    expect(new ReduceProgram('sum', 'bool', 'int32', 1, 2).key).toBe('reduce|sum|bool|k1|r2');
  });

  it('names the matmul layouts, so transposed operands are read in place', () => {
    expect(matrixLayout(view([4, 5], [5, 1]))).toBe('n');
    expect(matrixLayout(view([4, 5], [1, 4]))).toBe('t');
    expect(matrixLayout(view([4, 5], [10, 2]))).toBe('g');
  });

  it('runs an elementwise chain as the matmul epilogue, writing the product only when asked', () => {
    const product = view([2, 4, 5], [20, 5, 1]);
    const bias = view([2, 4, 5], [0, 0, 1]);
    const add = binaryProgram('add', product, bias, 'float32');
    const relu = unaryProgram('relu', product);
    const chain = new FusedChain(
      [
        { program: add, operands: [{ kind: 'product' }, { kind: 'read', index: 0 }], written: true },
        { program: relu, operands: [{ kind: 'op', index: 0 }], written: true },
      ],
      [{ buffer: 0, dtype: 'float32', contiguous: false }],
      [],
      1,
      3,
      'float32',
    );
    const program = new MatmulProgram('float32', 1, 'n', 't', chain, false);
    expect(program.key).toBe(`matmul|float32|b1|nt||${chain.key}`);
    expect([program.inputs, program.outputs]).toEqual([3, 2]);
    const code = program.code();
    expect(code).toContain('chain_at(o, v);');
    expect(code).not.toContain('out0[o] = v;');
    expect(code).toContain('let o1 = op1(o0);');
    expect(new MatmulProgram('float32', 0, 'n', 'n').code()).toContain('out0[o] = v;');
  });
});
