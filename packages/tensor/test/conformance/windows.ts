import { describe, expect, it } from 'vitest';
import { col2im, im2col, maxPool2dBackward, maxPool2dWindows, rand, tensor, type WindowAxis, type Windows2d } from '../../src/index.js';
import { expectValues } from './harness.js';

const axis = (kernel: number, stride: number, dilation: number, padBefore: number, outSize: number): WindowAxis => ({ kernel, stride, dilation, padBefore, outSize });

/** The sliding-window kernels: hand-worked windows, col2im as im2col's adjoint, and max pooling's choice of entry (ties, NaN, padding). */
export function windowsSuite(): void {
  describe('sliding windows (im2col, col2im, max pooling)', () => {
    it('im2col reads each window as a column, zeros in the padding', async () => {
      const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9]).reshape([1, 1, 3, 3]);
      const windows = { height: axis(2, 2, 1, 1, 2), width: axis(2, 2, 1, 1, 2) };
      await expectValues(im2col(x, windows), [0, 0, 0, 5, 0, 0, 4, 6, 0, 2, 0, 8, 1, 3, 7, 9], { shape: [1, 1, 4, 4] });
    });

    it('col2im is the adjoint of im2col: <im2col(x), y> = <x, col2im(y)> with overlapping, dilated, strided windows', async () => {
      const windows: Windows2d = { height: axis(3, 2, 2, 2, 3), width: axis(2, 1, 1, 1, 6) };
      const x = rand([2, 3, 7, 5]);
      const y = rand([2, 3, 6, 18]);
      const left = (await im2col(x, windows).mul(y).sum().item()) as number;
      const right = (await x.mul(col2im(y, windows, 7, 5)).sum().item()) as number;
      expect(Math.abs(left - right)).toBeLessThan(1e-4 * Math.abs(left));
    });

    it('col2im reads strided columns (a transposed view)', async () => {
      const windows = { height: axis(1, 1, 1, 0, 2), width: axis(2, 1, 1, 0, 1) };
      const columns = tensor([
        [1, 2],
        [3, 4],
      ])
        .transpose(0, 1)
        .reshape([1, 1, 2, 2]);
      await expectValues(col2im(columns.transpose(2, 3), windows, 2, 2), [1, 3, 2, 4], { shape: [1, 1, 2, 2] });
    });

    it('max pooling picks the first largest entry or the last NaN, and its gradient goes there', async () => {
      const x = tensor([5, 1, Number.NaN, 5, Number.NaN, 2]).reshape([1, 1, 2, 3]);
      const windows = { height: axis(2, 1, 1, 0, 1), width: axis(2, 1, 1, 1, 4) };
      await expectValues(maxPool2dWindows(x, windows), [5, Number.NaN, Number.NaN, Number.NaN], { shape: [1, 1, 1, 4] });
      const grad = tensor([1, 10, 100, 1000]).reshape([1, 1, 1, 4]);
      await expectValues(maxPool2dBackward(x, grad, windows), [1, 0, 1000, 0, 110, 0], { shape: [1, 1, 2, 3] });
    });

    it('2×2 pooling with stride 2 (the common case) keeps the rule on ties and NaN, with an odd width and a row of windows not a multiple of 4', async () => {
      const [height, width] = [6, 11];
      // Integers from a small range, so windows hold ties; a few NaN.
      const values = Array.from({ length: 2 * height * width }, (_, i) => ((i * 7) % 5 === 0 && i % 3 === 0 ? Number.NaN : (i * 13) % 4));
      const windows = { height: axis(2, 2, 1, 0, 3), width: axis(2, 2, 1, 0, 5) };
      const expectedValues: number[] = [];
      const expectedGrad = new Array<number>(values.length).fill(0);
      for (let plane = 0; plane < 2; plane++) {
        for (let r = 0; r < 3; r++) {
          for (let c = 0; c < 5; c++) {
            let best = -1;
            for (const [dr, dc] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
              const at = plane * height * width + (2 * r + dr) * width + 2 * c + dc;
              const v = values[at] as number;
              if (best === -1 || v > (values[best] as number) || Number.isNaN(v)) best = at;
            }
            expectedValues.push(values[best] as number);
            expectedGrad[best] = plane * 15 + r * 5 + c + 1;
          }
        }
      }
      const x = tensor(values).reshape([1, 2, height, width]);
      await expectValues(maxPool2dWindows(x, windows), expectedValues, { shape: [1, 2, 3, 5] });
      const grad = tensor(Array.from({ length: 30 }, (_, i) => i + 1)).reshape([1, 2, 3, 5]);
      await expectValues(maxPool2dBackward(x, grad, windows), expectedGrad, { shape: [1, 2, height, width] });
    });

    it('a window that reads only padding gives -Infinity and no gradient', async () => {
      const x = tensor([3, 4]).reshape([1, 1, 1, 2]);
      const windows = { height: axis(1, 1, 1, 0, 1), width: axis(1, 1, 1, 1, 3) };
      await expectValues(maxPool2dWindows(x, windows), [-Infinity, 3, 4]);
      await expectValues(maxPool2dBackward(x, tensor([1, 2, 3]).reshape([1, 1, 1, 3]), windows), [2, 3]);
    });

    it('names the shapes when the columns do not match the windows', () => {
      const windows = { height: axis(2, 1, 1, 0, 2), width: axis(2, 1, 1, 0, 2) };
      expect(() => col2im(rand([1, 1, 4, 3]), windows, 3, 3)).toThrow(/columns \[1, 1, 4, 3\] do not match the windows, which need \[N, C, 4, 4\]/);
      expect(() => im2col(rand([3, 3]), windows)).toThrow(/expected an input \[N, C, H, W\], got \[3, 3\]/);
    });
  });
}
