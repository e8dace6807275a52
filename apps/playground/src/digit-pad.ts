import { MNIST_SIDE, toMnistDigit } from './mnist-style.js';

/** The pen's width on the 280-pixel pad: about three MNIST pixels, as MNIST's strokes are, once a digit 200 pixels tall is scaled to 20. */
const PEN_WIDTH = 30;

/** What a `DigitPad` tells its owner. */
export interface DigitPadHandlers {
  /** The drawing changed; `onDigit` follows within a frame. */
  onStroke(): void;
  /** The drawing as MNIST would have it (28×28 values in [0, 1]), or undefined once cleared. */
  onDigit(digit: Float32Array | undefined): void;
}

/**
 * A canvas to draw a digit on with a mouse, pen or finger. After each stroke segment (at most once
 * a frame) it hands the drawing, as MNIST would have it, to `onDigit` and shows that 28×28 image
 * on `preview`.
 */
export class DigitPad {
  private readonly context: CanvasRenderingContext2D;
  private last: { x: number; y: number } | undefined;
  private pending = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly preview: HTMLCanvasElement,
    private readonly handlers: DigitPadHandlers,
  ) {
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('the digit pad needs a 2D canvas, which this browser did not give');
    this.context = context;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.lineWidth = PEN_WIDTH;
    context.strokeStyle = '#000';
    canvas.addEventListener('pointerdown', (event) => {
      canvas.setPointerCapture(event.pointerId);
      this.last = this.position(event);
      this.drawTo(this.last);
    });
    canvas.addEventListener('pointermove', (event) => {
      if (this.last !== undefined) this.drawTo(this.position(event));
    });
    for (const type of ['pointerup', 'pointercancel'] as const) canvas.addEventListener(type, () => (this.last = undefined));
  }

  clear(): void {
    this.context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.preview.getContext('2d')?.clearRect(0, 0, this.preview.width, this.preview.height);
    this.handlers.onDigit(undefined);
  }

  /** The drawing as MNIST would have it, or undefined when the pad is empty. */
  digit(): Float32Array | undefined {
    const { width, height } = this.canvas;
    const rgba = this.context.getImageData(0, 0, width, height).data;
    // The pen draws opaque black on a transparent canvas: its alpha is the ink.
    const ink = new Float32Array(width * height);
    for (let i = 0; i < ink.length; i++) ink[i] = (rgba[4 * i + 3] as number) / 255;
    return toMnistDigit({ ink, width, height });
  }

  private position(event: PointerEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) * this.canvas.width) / rect.width, y: ((event.clientY - rect.top) * this.canvas.height) / rect.height };
  }

  private drawTo(point: { x: number; y: number }): void {
    const from = this.last ?? point;
    this.context.beginPath();
    this.context.moveTo(from.x, from.y);
    this.context.lineTo(point.x, point.y);
    this.context.stroke();
    this.last = point;
    this.handlers.onStroke();
    this.pending ||= requestAnimationFrame(() => {
      this.pending = 0;
      const digit = this.digit();
      this.showPreview(digit);
      this.handlers.onDigit(digit);
    });
  }

  private showPreview(digit: Float32Array | undefined): void {
    const context = this.preview.getContext('2d');
    if (!context || digit === undefined) return;
    const image = context.createImageData(MNIST_SIDE, MNIST_SIDE);
    digit.forEach((value, i) => {
      const shade = Math.round(255 * (1 - value));
      image.data.set([shade, shade, shade, 255], 4 * i);
    });
    context.putImageData(image, 0, 0);
  }
}
