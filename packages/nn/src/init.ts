import type { Variable } from '@kindling/autograd';
import { formatShape, isFloatingDType, rand, randn, tidy, type Generator } from '@kindling/tensor';

/*
 * Initialisers as in torch.nn.init. Each one replaces the Variable's `.data` with fresh values of
 * the same shape, dtype and device (Kindling's tensors are not written in place) and returns the
 * Variable, so `init.zeros(linear.bias)` reads as PyTorch's `init.zeros_(linear.bias)`. Random ones
 * draw from the seeded default generator (`manualSeed`) unless given a `generator`. The new values
 * are kept (`keep()`), so initialising inside a `tidy` does not free a model's weights at its end.
 */

/** The nonlinearities `calculateGain` knows, as PyTorch's names in camelCase. */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

/** Which fan Kaiming initialisation keeps the variance of: the forward pass's (`fanIn`) or the backward's. */
export type FanMode = 'fanIn' | 'fanOut';

export interface RandomInitOptions {
  generator?: Generator;
}

export interface KaimingOptions extends RandomInitOptions {
  /** The negative slope of the leaky ReLU that follows (only with `leakyRelu`); default 0. */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

/**
 * The recommended gain for a nonlinearity, as `torch.nn.init.calculate_gain`: 1 for linear layers
 * and sigmoid, 5/3 for tanh, √2 for ReLU, √(2 / (1 + slope²)) for leaky ReLU, 3/4 for SELU.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      // PyTorch's default slope when none is given is 0.01.
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) throw new RangeError(`calculateGain: the negative slope must be a finite number, got ${slope}`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unknown nonlinearity '${String(nonlinearity)}' (expected linear, conv1d, conv2d, conv3d, sigmoid, tanh, relu, leakyRelu or selu)`);
  }
}

/**
 * Fan-in and fan-out of a weight of `shape`, as PyTorch computes them: the sizes of dims 1 and 0,
 * each times the receptive field (the product of the dims after the first two).
 */
export function calculateFanInAndFanOut(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new Error(`init: fan in and fan out cannot be computed for a tensor with fewer than 2 dims (shape ${formatShape(shape)})`);
  }
  const receptiveField = shape.slice(2).reduce((n, extent) => n * extent, 1);
  return { fanIn: (shape[1] as number) * receptiveField, fanOut: (shape[0] as number) * receptiveField };
}

function assertFloating(v: Variable, name: string): void {
  if (!isFloatingDType(v.dtype)) {
    throw new TypeError(`${name}: only floating-point tensors can be initialised this way, but this one is ${v.dtype}`);
  }
}

/** Fills `v` with samples from U(low, high). */
export function uniform(v: Variable, low = 0, high = 1, options: RandomInitOptions = {}): Variable {
  assertFloating(v, 'uniform');
  if (!(low <= high)) throw new RangeError(`uniform: expected low <= high, got low=${low}, high=${high}`);
  tidy(() => v.data.copy_(rand(v.shape, { dtype: v.dtype, device: v.device, generator: options.generator }).mul(high - low).add(low)));
  return v;
}

/** Fills `v` with samples from N(mean, std²). */
export function normal(v: Variable, mean = 0, std = 1, options: RandomInitOptions = {}): Variable {
  assertFloating(v, 'normal');
  if (!(std >= 0)) throw new RangeError(`normal: std must be non-negative, got ${std}`);
  tidy(() => v.data.copy_(randn(v.shape, { dtype: v.dtype, device: v.device, generator: options.generator }).mul(std).add(mean)));
  return v;
}

/** Fills `v` with `value`. */
export function constant(v: Variable, value: number): Variable {
  v.data.fill_(value);
  return v;
}

/** Fills `v` with zeros. */
export function zeros(v: Variable): Variable {
  return constant(v, 0);
}

/** Fills `v` with ones. */
export function ones(v: Variable): Variable {
  return constant(v, 1);
}

function kaimingStd(v: Variable, options: KaimingOptions, name: string): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(v.shape);
  const mode = options.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new Error(`${name}: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  if (fan === 0) throw new Error(`${name}: cannot initialise a tensor with no elements along its fan (shape ${formatShape(v.shape)})`);
  const gain = calculateGain(options.nonlinearity ?? 'leakyRelu', options.a ?? 0);
  return gain / Math.sqrt(fan);
}

/**
 * He initialisation from U(-b, b) with b = gain · √(3 / fan), as `kaiming_uniform_`. Linear
 * layers use it with a = √5, which makes b = 1 / √fanIn.
 *
 * @example
 * init.kaimingUniform(layer.weight, { a: Math.sqrt(5) });
 */
export function kaimingUniform(v: Variable, options: KaimingOptions = {}): Variable {
  const bound = Math.sqrt(3) * kaimingStd(v, options, 'kaimingUniform');
  return uniform(v, -bound, bound, options);
}

/** He initialisation from N(0, std²) with std = gain / √fan, as `kaiming_normal_`. */
export function kaimingNormal(v: Variable, options: KaimingOptions = {}): Variable {
  return normal(v, 0, kaimingStd(v, options, 'kaimingNormal'), options);
}

/** Glorot initialisation from U(-b, b) with b = gain · √(6 / (fanIn + fanOut)), as `xavier_uniform_`. */
export function xavierUniform(v: Variable, options: RandomInitOptions & { gain?: number } = {}): Variable {
  const { fanIn, fanOut } = calculateFanInAndFanOut(v.shape);
  const bound = (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(v, -bound, bound, options);
}

/** Glorot initialisation from N(0, std²) with std = gain · √(2 / (fanIn + fanOut)), as `xavier_normal_`. */
export function xavierNormal(v: Variable, options: RandomInitOptions & { gain?: number } = {}): Variable {
  const { fanIn, fanOut } = calculateFanInAndFanOut(v.shape);
  return normal(v, 0, (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), options);
}
