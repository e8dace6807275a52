/*
 * A drawing made MNIST-like, as the dataset's authors prepared NIST's digits: the digit's bounding
 * box scaled, keeping its aspect ratio and anti-aliased, to fit a 20×20 box, then placed in a 28×28
 * image so that its centre of mass is the image's centre. A network trained on MNIST sees drawings
 * framed the way it saw its training digits.
 */

/** MNIST's image side, and the side of the box its digits were scaled into. */
export const MNIST_SIDE = 28;
export const DIGIT_BOX = 20;
const MNIST_CENTRE = MNIST_SIDE / 2 + 0.5;

/** A grayscale image: `ink` in [0, 1] (1 where the pen went), row-major, `width` × `height`. */
export interface InkImage {
  ink: Float32Array;
  width: number;
  height: number;
}

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The smallest box holding every pixel with ink, or undefined for an empty image. */
export function inkBounds({ ink, width, height }: InkImage): Box | undefined {
  let [left, top, right, bottom] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((ink[y * width + x] as number) <= 0) continue;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  return right < 0 ? undefined : { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** How much of the source span [from, from + 1) falls in [lo, hi). */
function overlap(from: number, lo: number, hi: number): number {
  return Math.max(0, Math.min(from + 1, hi) - Math.max(from, lo));
}

/**
 * `box` of `image` resampled to `width` × `height` by area averaging: each output pixel is the mean
 * ink of the source area it covers (fractional pixels weighted by how much of them it covers).
 */
function resampleArea(image: InkImage, box: Box, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const [scaleX, scaleY] = [box.width / width, box.height / height];
  for (let ty = 0; ty < height; ty++) {
    const [y0, y1] = [box.top + ty * scaleY, box.top + (ty + 1) * scaleY];
    for (let tx = 0; tx < width; tx++) {
      const [x0, x1] = [box.left + tx * scaleX, box.left + (tx + 1) * scaleX];
      let sum = 0;
      for (let sy = Math.floor(y0); sy < Math.ceil(y1); sy++) {
        const wy = overlap(sy, y0, y1);
        for (let sx = Math.floor(x0); sx < Math.ceil(x1); sx++) sum += wy * overlap(sx, x0, x1) * (image.ink[sy * image.width + sx] as number);
      }
      out[ty * width + tx] = sum / (scaleX * scaleY);
    }
  }
  return out;
}

/** The centre of mass of `pixels` (`width` wide), in continuous coordinates (pixel x covers [x, x + 1)). */
export function centreOfMass(pixels: Float32Array, width: number): { x: number; y: number } {
  let [total, sumX, sumY] = [0, 0, 0];
  for (let i = 0; i < pixels.length; i++) {
    const value = pixels[i] as number;
    total += value;
    sumX += value * ((i % width) + 0.5);
    sumY += value * (Math.floor(i / width) + 0.5);
  }
  return total === 0 ? { x: width / 2, y: pixels.length / width / 2 } : { x: sumX / total, y: sumY / total };
}

/**
 * The drawing as an MNIST digit: 28×28 values in [0, 1], row-major, or undefined when nothing is
 * drawn. The bounding box's longer side becomes 20 pixels; the centre of mass lands in pixel
 * (14, 14), to the nearest pixel, as in MNIST.
 */
export function toMnistDigit(image: InkImage): Float32Array | undefined {
  const box = inkBounds(image);
  if (box === undefined) return undefined;
  const scale = DIGIT_BOX / Math.max(box.width, box.height);
  const width = Math.max(1, Math.round(box.width * scale));
  const height = Math.max(1, Math.round(box.height * scale));
  const digit = resampleArea(image, box, width, height);
  const mass = centreOfMass(digit, width);
  // MNIST's digits have their centre of mass in pixel (14, 14), whose centre is at 14.5.
  const [dx, dy] = [Math.round(MNIST_CENTRE - mass.x), Math.round(MNIST_CENTRE - mass.y)];
  const out = new Float32Array(MNIST_SIDE * MNIST_SIDE);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [tx, ty] = [x + dx, y + dy];
      if (tx < 0 || ty < 0 || tx >= MNIST_SIDE || ty >= MNIST_SIDE) continue;
      out[ty * MNIST_SIDE + tx] = Math.min(1, digit[y * width + x] as number);
    }
  }
  return out;
}
