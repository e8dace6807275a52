import { noGrad, Variable } from '@kindling/autograd';
import { memory, rand, setBackend } from '@kindling/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { functional as F } from '../src/index.js';

describe('conv2d outside training on a batch whose columns exceed 64 MiB', () => {
  beforeAll(() => setBackend('cpu'));

  // 2,400 samples of one 30×30 channel with a 3×3 kernel: 9 · 28 · 28 column entries each, 16.9M in all, over the 2^24 limit.
  const x = rand([2400, 1, 30, 30]);
  const weight = rand([2, 1, 3, 3]).sub(0.5);
  const bias = rand([2]);

  it('convolves in slices, giving what one call gives, and frees every slice', async () => {
    const whole = F.conv2d(new Variable(x), new Variable(weight, { requiresGrad: true }), bias);
    const before = memory().numTensors;
    const sliced = noGrad(() => F.conv2d(x, weight, bias));
    expect(memory().numTensors).toBe(before + 1);
    expect(sliced.shape).toEqual([2400, 2, 28, 28]);
    const [slicedValues, wholeValues] = [await sliced.data.data(), await whole.data.data()];
    expect(slicedValues.length).toBe(wholeValues.length);
    expect(slicedValues.findIndex((value, i) => value !== wholeValues[i])).toBe(-1);
  }, 30_000);
});
