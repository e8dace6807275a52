import type { Variable } from '@kindling/autograd';
import { checkResizeOptions, interpolate, type InterpolateMode, type InterpolateOptions } from '../interpolate.js';
import { Module } from '../module.js';
import type { Input } from '../parameter.js';

/**
 * Resizes [N, C, L] or [N, C, H, W] inputs to `size`, or by `scaleFactor` (PyTorch's `nn.Upsample`);
 * see `F.interpolate` for the modes. It has no parameters or buffers, so it adds nothing to a state
 * dict.
 *
 * @example
 * new Upsample({ scaleFactor: 2, mode: 'bilinear' }).forward(features).shape; // [N, C, 14, 14] gives [N, C, 28, 28]
 */
export class Upsample extends Module {
  readonly size: number | readonly number[] | undefined;
  readonly scaleFactor: number | readonly number[] | undefined;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | undefined;

  constructor(options: InterpolateOptions) {
    super();
    this.mode = checkResizeOptions(options, 'Upsample');
    this.size = options.size;
    this.scaleFactor = options.scaleFactor;
    this.alignCorners = options.alignCorners;
  }

  forward(input: Input): Variable {
    return interpolate(input, { size: this.size, scaleFactor: this.scaleFactor, mode: this.mode, alignCorners: this.alignCorners });
  }

  override extraRepr(): string {
    const sizing = this.scaleFactor === undefined ? `size=${JSON.stringify(this.size)}` : `scaleFactor=${JSON.stringify(this.scaleFactor)}`;
    return `${sizing}, mode='${this.mode}'`;
  }
}
