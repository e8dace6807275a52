import type { Variable } from '@kindling/autograd';
import { Module } from '../module.js';
import type { Input, Parameter } from '../parameter.js';
import { perAxis } from '../sliding-windows.js';
import {
  convTranspose1d,
  convTranspose2d,
  outputPaddingFor,
  transposedGeometry,
  type ConvTranspose1dOptions,
  type ConvTranspose2dOptions,
} from '../transposed-convolution.js';
import { createAffineParameters, resetAffineParameters, type ParameterFactory } from './affine-parameters.js';

interface ConvTransposeLayerOptions extends ParameterFactory {
  groups?: number;
  /** Whether to learn an additive bias, one per output channel (default true). */
  bias?: boolean;
}

export interface ConvTranspose2dLayerOptions extends ConvTransposeLayerOptions, Omit<ConvTranspose2dOptions, 'groups'> {}
export interface ConvTranspose1dLayerOptions extends ConvTransposeLayerOptions, Omit<ConvTranspose1dOptions, 'groups'> {}

/** What ConvTranspose1d and ConvTranspose2d share: the checks, the parameters, their initialisation, `outputSize` and the printout. */
abstract class TransposedConvolution<O extends ConvTranspose1dOptions | ConvTranspose2dOptions> extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly stride: O['stride'];
  readonly padding: O['padding'];
  readonly outputPadding: O['outputPadding'];
  readonly dilation: O['dilation'];
  readonly groups: number;

  protected constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: readonly number[],
    options: ConvTransposeLayerOptions & O,
    private readonly opName: string,
  ) {
    super();
    for (const [name, value] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`${opName}: ${name} must be a non-negative integer, got ${value}`);
    }
    this.groups = options.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups < 1 || inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new RangeError(`${opName}: groups must be a positive integer dividing inChannels (${inChannels}) and outChannels (${outChannels}), got ${this.groups}`);
    }
    // Checked now, so that a bad stride or outputPadding fails where the layer is built.
    transposedGeometry(options, kernelSize, opName);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.outputPadding = options.outputPadding ?? 0;
    this.dilation = options.dilation ?? 1;
    // PyTorch's layout: the input channels first, so fanIn (dim 1 × kernel) counts the outputs per group.
    const { weight, bias } = createAffineParameters([inChannels, outChannels / this.groups, ...kernelSize], options.bias ?? true, options, outChannels);
    this.weight = weight;
    this.bias = bias;
  }

  /** Draws fresh initial values as PyTorch's `reset_parameters`: Kaiming-uniform (a = √5), then the bias uniform in ±1/√fanIn. */
  resetParameters(): void {
    resetAffineParameters(this.weight, this.bias);
  }

  /** The functional options of this layer's transposed convolution. */
  protected transposedOptions(): O {
    return { stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups } as O;
  }

  /**
   * The layer's outputPadding per spatial axis or, with `outputSize`, the one that gives that size,
   * as PyTorch's `forward(input, output_size)`.
   */
  protected outputPaddingOf(input: Input, outputSize: readonly number[] | undefined): number[] {
    const geometry = transposedGeometry(this.transposedOptions(), this.kernelSize, this.opName);
    return outputSize === undefined ? geometry.outputPadding : outputPaddingFor(outputSize, input.shape, this.kernelSize, geometry, this.opName);
  }

  override extraRepr(): string {
    const isDefault = (value: unknown, fallback: number): boolean => [value].flat().every((v) => v === fallback);
    const parts = [`${this.inChannels}, ${this.outChannels}`, `kernelSize=${JSON.stringify(this.kernelSize)}`];
    if (!isDefault(this.stride, 1)) parts.push(`stride=${JSON.stringify(this.stride)}`);
    if (!isDefault(this.padding, 0)) parts.push(`padding=${JSON.stringify(this.padding)}`);
    if (!isDefault(this.outputPadding, 0)) parts.push(`outputPadding=${JSON.stringify(this.outputPadding)}`);
    if (!isDefault(this.dilation, 1)) parts.push(`dilation=${JSON.stringify(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    return parts.join(', ');
  }
}

/**
 * A 2-D transposed convolution layer (PyTorch's `nn.ConvTranspose2d`) over [N, inChannels, H, W]
 * inputs, with `weight` [inChannels, outChannels / groups, kH, kW] and `bias` [outChannels],
 * initialised as PyTorch does; see `F.convTranspose2d`.
 *
 * @example
 * const up = new ConvTranspose2d(64, 32, 2, { stride: 2 });
 * up.forward(features).shape; // [N, 64, 14, 14] gives [N, 32, 28, 28]
 */
export class ConvTranspose2d extends TransposedConvolution<ConvTranspose2dOptions> {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: ConvTranspose2dLayerOptions = {}) {
    super(inChannels, outChannels, perAxis(kernelSize, 2, 'kernelSize', 'ConvTranspose2d', 1), options, 'ConvTranspose2d');
  }

  /** With `outputSize` ([H, W], or the whole [N, C, H, W]), the output has that size; a stride above 1 leaves a choice of stride sizes. */
  forward(input: Input, outputSize?: readonly number[]): Variable {
    const outputPadding = this.outputPaddingOf(input, outputSize) as [number, number];
    return convTranspose2d(input, this.weight, this.bias, { ...this.transposedOptions(), outputPadding });
  }
}

/** A 1-D transposed convolution layer (PyTorch's `nn.ConvTranspose1d`) over [N, inChannels, L] inputs, with `weight` [inChannels, outChannels / groups, k]. */
export class ConvTranspose1d extends TransposedConvolution<ConvTranspose1dOptions> {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number], options: ConvTranspose1dLayerOptions = {}) {
    super(inChannels, outChannels, perAxis(kernelSize, 1, 'kernelSize', 'ConvTranspose1d', 1), options, 'ConvTranspose1d');
  }

  /** With `outputSize` ([L], or the whole [N, C, L]), the output has that length. */
  forward(input: Input, outputSize?: readonly number[]): Variable {
    const outputPadding = this.outputPaddingOf(input, outputSize) as [number];
    return convTranspose1d(input, this.weight, this.bias, { ...this.transposedOptions(), outputPadding });
  }
}
