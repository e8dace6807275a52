import { beforeAll, describe, expect, it } from 'vitest';
import { arange, eye, full, ones, rand, randperm, setBackend, tensor, zeros } from '../src/index.js';

describe("tensors larger than the cpu backend can hold", () => {
  beforeAll(() => setBackend('cpu'));
  const limit = "more than backend 'cpu' can hold: at most 2147483647 elements (its kernels index elements with int32 offsets)";

  it('fail at once, naming the shape, the bytes and the limit', () => {
    expect(() => zeros([2 ** 31])).toThrow(new RangeError(`full: a float32 tensor of shape [2147483648] has 2147483648 elements (8589934592 bytes), ${limit}`));
    expect(() => ones([65536, 32768], { dtype: 'int32' })).toThrow(`full: a int32 tensor of shape [65536, 32768] has 2147483648 elements (8589934592 bytes), ${limit}`);
    expect(() => full([2 ** 31], true)).toThrow('(2147483648 bytes)');
    expect(() => rand([2 ** 16, 2 ** 16])).toThrow(`rand: a float32 tensor of shape [65536, 65536] has 4294967296 elements (17179869184 bytes), ${limit}`);
  });

  it('are refused before the host fills them', () => {
    expect(() => eye(65536)).toThrow(`eye: a float32 tensor of shape [65536, 65536] has 4294967296 elements (17179869184 bytes), ${limit}`);
    expect(() => randperm(2 ** 31)).toThrow(`randperm: a int32 tensor of shape [2147483648]`);
    expect(() => arange(2 ** 31)).toThrow(`arange: a int32 tensor of shape [2147483648] has 2147483648 elements (8589934592 bytes), ${limit}`);
    expect(() => arange(2 ** 31, 2 ** 31 + 2)).toThrow('arange: 2147483648 does not fit int32');
  });

  it('are refused before a huge list is walked', () => {
    expect(() => tensor(new Array<number>(2 ** 31))).toThrow(`tensor: a float32 tensor of shape [2147483648] has 2147483648 elements (8589934592 bytes), ${limit}`);
  });

  it('are refused as views too: expand names the limit before a kernel reads the view', () => {
    expect(() => ones([1]).expand([2 ** 31])).toThrow(new RangeError(`expand: a float32 tensor of shape [2147483648] has 2147483648 elements (8589934592 bytes), ${limit}`));
    expect(() => ones([1, 1]).expand([2 ** 16, 2 ** 15])).toThrow(`expand: a float32 tensor of shape [65536, 32768] has 2147483648 elements`);
    expect(ones([1]).expand([2 ** 31 - 1]).shape).toEqual([2 ** 31 - 1]);
  });
});

describe('sparse lists', () => {
  it('fail at their first hole, without walking the rest', () => {
    const started = performance.now();
    expect(() => tensor(new Array<number>(1e8))).toThrow(
      new TypeError('tensor: data has a hole at data[0] (a sparse array, such as new Array(n) not filled); fill it (new Array(n).fill(0)) or pass a typed array'),
    );
    expect(performance.now() - started).toBeLessThan(500);
    const holey = [1, 2, 3];
    delete holey[1];
    expect(() => tensor([[0, 0, 0], holey])).toThrow('tensor: data has a hole at data[1][1]');
  });
});
