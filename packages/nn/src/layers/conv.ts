import type { Variable } from '@kindling/autograd';
import { conv1dWithMode, conv2dWithMode, convGeometry, type Conv1dOptions, type Conv2dOptions } from '../convolution.js';
import { Module } from '../module.js';
import type { Input, Parameter } from '../parameter.js';
import { perAxis, type PaddingMode } from '../sliding-windows.js';
import { createAffineParameters, resetAffineParameters, type ParameterFactory } from './affine-parameters.js';

export type { PaddingMode } from '../sliding-windows.js';

interface ConvLayerOptions extends ParameterFactory {
  groups?: number;
  /** Whether to learn an additive bias, one per output channel (default true). */
  bias?: boolean;
  /** How the padding is filled: 'zeros' (default), 'reflect', 'replicate' or 'circular', as PyTorch's `padding_mode`. */
  paddingMode?: PaddingMode;
}

export interface Conv2dLayerOptions extends ConvLayerOptions, Omit<Conv2dOptions, 'groups'> {}
export interface Conv1dLayerOptions extends ConvLayerOptions, Omit<Conv1dOptions, 'groups'> {}

const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

/** What Conv1d and Conv2d share: the checks, the parameters, their initialisation and the printout. */
abstract class Convolution<O extends Conv1dOptions | Conv2dOptions> extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly stride: O['stride'];
  readonly padding: O['padding'];
  readonly dilation: O['dilation'];
  readonly groups: number;
  readonly paddingMode: PaddingMode;

  protected constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: readonly number[],
    options: ConvLayerOptions & O,
    opName: string,
  ) {
    super();
    for (const [name, value] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`${opName}: ${name} must be a non-negative integer, got ${value}`);
    }
    this.groups = options.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups < 1 || inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new RangeError(`${opName}: groups must be a positive integer dividing inChannels (${inChannels}) and outChannels (${outChannels}), got ${this.groups}`);
    }
    this.paddingMode = options.paddingMode ?? 'zeros';
    if (!PADDING_MODES.includes(this.paddingMode)) {
      throw new Error(`${opName}: paddingMode must be one of ${PADDING_MODES.join(', ')}, got '${String(this.paddingMode)}'`);
    }
    // Checked now, so that a bad stride or padding fails where the layer is built.
    convGeometry(options, kernelSize, opName);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    const { weight, bias } = createAffineParameters([outChannels, inChannels / this.groups, ...kernelSize], options.bias ?? true, options);
    this.weight = weight;
    this.bias = bias;
  }

  /** Draws fresh initial values as PyTorch's `reset_parameters`: Kaiming-uniform (a = √5), then the bias uniform in ±1/√fanIn. */
  resetParameters(): void {
    resetAffineParameters(this.weight, this.bias);
  }

  /** The functional options of this layer's convolution. */
  protected convOptions(): O {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups } as O;
  }

  override extraRepr(): string {
    const size = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));
    const isDefault = (value: unknown, fallback: number): boolean => [value].flat().every((v) => v === fallback);
    const parts = [`${this.inChannels}, ${this.outChannels}`, `kernelSize=${size(this.kernelSize)}`];
    if (!isDefault(this.stride, 1)) parts.push(`stride=${size(this.stride)}`);
    if (!isDefault(this.padding, 0)) parts.push(`padding=${size(this.padding)}`);
    if (!isDefault(this.dilation, 1)) parts.push(`dilation=${size(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    if (this.paddingMode !== 'zeros') parts.push(`paddingMode='${this.paddingMode}'`);
    return parts.join(', ');
  }
}

/**
 * A 2-D convolution layer (PyTorch's `nn.Conv2d`) over [N, inChannels, H, W] inputs, with `weight`
 * [outChannels, inChannels / groups, kH, kW] and `bias` [outChannels], initialised as PyTorch does.
 *
 * @example
 * const conv = new Conv2d(1, 32, 3, { padding: 1 });
 * conv.forward(images).shape; // [N, 1, 28, 28] gives [N, 32, 28, 28]
 */
export class Conv2d extends Convolution<Conv2dOptions> {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: Conv2dLayerOptions = {}) {
    super(inChannels, outChannels, perAxis(kernelSize, 2, 'kernelSize', 'Conv2d', 1), options, 'Conv2d');
  }

  forward(input: Input): Variable {
    return conv2dWithMode(input, this.weight, this.bias, this.convOptions(), this.paddingMode);
  }
}

/** A 1-D convolution layer (PyTorch's `nn.Conv1d`) over [N, inChannels, L] inputs, with `weight` [outChannels, inChannels / groups, k]. */
export class Conv1d extends Convolution<Conv1dOptions> {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number], options: Conv1dLayerOptions = {}) {
    super(inChannels, outChannels, perAxis(kernelSize, 1, 'kernelSize', 'Conv1d', 1), options, 'Conv1d');
  }

  forward(input: Input): Variable {
    return conv1dWithMode(input, this.weight, this.bias, this.convOptions(), this.paddingMode);
  }
}
