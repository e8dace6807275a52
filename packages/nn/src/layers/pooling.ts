import type { Variable } from '@kindling/autograd';
import { Module } from '../module.js';
import type { Input } from '../parameter.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, type AvgPool2dOptions, type MaxPool2dOptions } from '../pooling.js';
import type { Size2d } from '../sliding-windows.js';

/** What MaxPool2d and AvgPool2d share: a kernel size, the function's options, and PyTorch's printout of both. */
abstract class WindowPool<O extends object> extends Module {
  constructor(
    readonly kernelSize: Size2d,
    readonly options: O,
  ) {
    super();
  }

  override extraRepr(): string {
    const given = Object.entries(this.options).filter(([, value]) => value !== undefined);
    return [`kernelSize=${JSON.stringify(this.kernelSize)}`, ...given.map(([name, value]) => `${name}=${JSON.stringify(value)}`)].join(', ');
  }
}

/**
 * Max pooling over [N, C, H, W] inputs (PyTorch's `nn.MaxPool2d`); see `F.maxPool2d`.
 *
 * @example
 * new MaxPool2d(2).forward(x).shape; // [N, C, 28, 28] gives [N, C, 14, 14]
 */
export class MaxPool2d extends WindowPool<MaxPool2dOptions> {
  constructor(kernelSize: Size2d, options: MaxPool2dOptions = {}) {
    super(kernelSize, options);
  }

  forward(input: Input): Variable {
    return maxPool2d(input, this.kernelSize, this.options);
  }
}

/** Average pooling over [N, C, H, W] inputs (PyTorch's `nn.AvgPool2d`); see `F.avgPool2d`. */
export class AvgPool2d extends WindowPool<AvgPool2dOptions> {
  constructor(kernelSize: Size2d, options: AvgPool2dOptions = {}) {
    super(kernelSize, options);
  }

  forward(input: Input): Variable {
    return avgPool2d(input, this.kernelSize, this.options);
  }
}
/** Adaptive average pooling to a fixed [oH, oW] (PyTorch's `nn.AdaptiveAvgPool2d`); see `F.adaptiveAvgPool2d`. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number | null, number | null]) {
    super();
  }

  forward(input: Input): Variable {
    return adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${JSON.stringify(this.outputSize)}`;
  }
}
