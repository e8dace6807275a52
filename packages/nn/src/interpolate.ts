import { composite, type Variable } from '@kindling/autograd';
import { formatShape, tensor, type Tensor } from '@kindling/tensor';
import { asVariable, type Input } from './parameter.js';

/*
 * Resizing as PyTorch 1.13's F.interpolate, one spatial axis at a time. Every output position reads
 * one input position ('nearest') or two, blended with fixed weights ('linear', 'bilinear'), so an
 * axis is one or two index-selects of the input (whose gradient adds back into the positions read)
 * and, for the blends, products with constant weights. Both cost one read per output element,
 * where a dense interpolation matrix would cost a whole input row.
 */

/** 'nearest' on [N, C, L] or [N, C, H, W]; 'linear' on [N, C, L]; 'bilinear' on [N, C, H, W]. */
export type InterpolateMode = 'nearest' | 'linear' | 'bilinear';

export interface InterpolateOptions {
  /** The output's spatial size: one number for every spatial dim, or one each. Give this or `scaleFactor`. */
  size?: number | readonly number[];
  /** The output's spatial size as a multiple of the input's, rounded down; it also sets the sampling step, as PyTorch. */
  scaleFactor?: number | readonly number[];
  /** How output positions read the input (default 'nearest'). */
  mode?: InterpolateMode;
  /**
   * For 'linear' and 'bilinear': whether the corner pixels' centres of input and output line up
   * (true), or their outer edges do (false, the default).
   */
  alignCorners?: boolean;
}

const MODES: readonly InterpolateMode[] = ['nearest', 'linear', 'bilinear'];
const SPATIAL_DIMS: Record<InterpolateMode, readonly number[]> = { nearest: [1, 2], linear: [1], bilinear: [2] };

/** Where the outputs along one axis read the input: the positions, and each one's weight when two are blended. */
type AxisSampling = { kind: 'copy' } | { kind: 'nearest'; index: Int32Array } | { kind: 'blend'; index0: Int32Array; index1: Int32Array; weight0: Float64Array; weight1: Float64Array };

/** The options checked and resolved to one output size (and an optional scale factor) per spatial axis. */
interface Resize {
  mode: InterpolateMode;
  alignCorners: boolean;
  outputSize: number[];
  scaleFactors: number[] | null;
}

function perSpatialDim(value: number | readonly number[], axes: number, name: string, inputShape: readonly number[]): number[] {
  const list = typeof value === 'number' ? new Array<number>(axes).fill(value) : [...value];
  if (list.length !== axes) {
    throw new Error(`interpolate: ${name} has ${list.length} entries, but the input ${formatShape(inputShape)} has ${axes} spatial dims; give one number or one per spatial dim`);
  }
  return list;
}

/** Checks what can be checked without an input, as PyTorch does: Upsample checks it when built. */
export function checkResizeOptions(options: InterpolateOptions, opName: string): InterpolateMode {
  const mode = options.mode ?? 'nearest';
  if (!MODES.includes(mode)) throw new Error(`${opName}: mode must be one of ${MODES.join(', ')}, got '${String(mode)}'`);
  if (mode === 'nearest' && options.alignCorners !== undefined) {
    throw new Error(`${opName}: alignCorners can only be set with the blending modes 'linear' and 'bilinear', not 'nearest'`);
  }
  if ((options.size === undefined) === (options.scaleFactor === undefined)) throw new Error(`${opName}: give exactly one of size and scaleFactor`);
  const factors = [options.scaleFactor ?? []].flat();
  if (factors.some((s) => !(s > 0) || !Number.isFinite(s))) throw new RangeError(`${opName}: scaleFactor must be positive and finite, got ${JSON.stringify(options.scaleFactor)}`);
  return mode;
}

/** Checks the options against the input's shape, as PyTorch does, and works out the output size. */
function resolveResize(inputShape: readonly number[], options: InterpolateOptions): Resize {
  const mode = checkResizeOptions(options, 'interpolate');
  const axes = inputShape.length - 2;
  if (!SPATIAL_DIMS[mode].includes(axes)) {
    const expected = SPATIAL_DIMS[mode].map((d) => `${d + 2}-D`).join(' or ');
    throw new Error(`interpolate: mode '${mode}' needs a ${expected} input [N, C, ...spatial], got ${formatShape(inputShape)}`);
  }
  const spatial = inputShape.slice(2);
  const scaleFactors = options.scaleFactor === undefined ? null : perSpatialDim(options.scaleFactor, axes, 'scaleFactor', inputShape);
  // PyTorch rounds the scaled size down, in double precision as here.
  const outputSize = scaleFactors === null ? perSpatialDim(options.size ?? [], axes, 'size', inputShape) : spatial.map((extent, axis) => Math.floor(extent * (scaleFactors[axis] as number)));
  if (outputSize.some((s) => !Number.isInteger(s) || s <= 0) || spatial.some((s) => s <= 0)) {
    throw new RangeError(`interpolate: the input's spatial size [${spatial.join(', ')}] and the output's [${outputSize.join(', ')}] must both be positive integers`);
  }
  return { mode, alignCorners: options.alignCorners ?? false, outputSize, scaleFactors };
}

/**
 * Where each of `outSize` outputs reads an axis of `inSize` inputs. The arithmetic is PyTorch's CPU
 * kernels', in the input's precision (`round` is Math.fround for float32), so a position that falls
 * on a rounding boundary is floored the same way.
 */
function axisSampling(inSize: number, outSize: number, scaleFactor: number | undefined, resize: Resize, round: (v: number) => number): AxisSampling {
  const givenScale = scaleFactor === undefined ? undefined : round(1 / scaleFactor);
  if (resize.mode === 'nearest') {
    // PyTorch 1.13's kernel for channels-last tensors (and so for any one-channel input) copies an
    // axis that keeps its size and halves the positions of one that doubles, whatever the scale
    // factor says; this follows its kernel for the usual [N, C, H, W] layout, which never does.
    const scale = givenScale ?? round(inSize / outSize);
    return { kind: 'nearest', index: Int32Array.from({ length: outSize }, (_, i) => Math.min(Math.floor(round(i * scale)), inSize - 1)) };
  }
  // PyTorch's linear kernels copy an axis whose size does not change, whatever the scale factor.
  if (inSize === outSize) return { kind: 'copy' };
  const scale = resize.alignCorners ? (outSize > 1 ? round((inSize - 1) / (outSize - 1)) : 0) : (givenScale ?? round(inSize / outSize));
  const sampling = { kind: 'blend', index0: new Int32Array(outSize), index1: new Int32Array(outSize), weight0: new Float64Array(outSize), weight1: new Float64Array(outSize) } as const;
  for (let i = 0; i < outSize; i++) {
    const source = resize.alignCorners ? round(scale * i) : Math.max(round(round(scale * (i + 0.5)) - 0.5), 0);
    const below = Math.trunc(source);
    const fraction = Math.min(Math.max(round(source - below), 0), 1);
    sampling.index0[i] = below;
    sampling.index1[i] = below < inSize - 1 ? below + 1 : below;
    sampling.weight0[i] = round(1 - fraction);
    sampling.weight1[i] = fraction;
  }
  return sampling;
}

/** `x` resampled along `dim` as `sampling` says. */
function resampleAxis(x: Variable, dim: number, sampling: AxisSampling): Variable {
  if (sampling.kind === 'copy') return x;
  const device = x.device;
  const positions = (index: Int32Array): Tensor => tensor(index, { dtype: 'int32', device });
  if (sampling.kind === 'nearest') return x.indexSelect(dim, positions(sampling.index));
  // One weight per output position along `dim`, shaped to broadcast over the dims after it.
  const weightShape = [sampling.weight0.length, ...new Array<number>(x.ndim - 1 - dim).fill(1)];
  const weights = (values: Float64Array): Tensor => tensor(values, { dtype: x.dtype, device, shape: weightShape });
  return x.indexSelect(dim, positions(sampling.index0)).mul(weights(sampling.weight0)).add(x.indexSelect(dim, positions(sampling.index1)).mul(weights(sampling.weight1)));
}

/**
 * Resizes `input` [N, C, L] or [N, C, H, W] as PyTorch 1.13's `F.interpolate` (its
 * `recompute_scale_factor` left unset): to `size`, or to the input's size times `scaleFactor`
 * rounded down, sampling every 1 / scaleFactor input positions. 'nearest' reads input position
 * floor(i · scale); 'linear' and 'bilinear' blend the two nearest, by their distance.
 *
 * @example
 * F.interpolate(features, { scaleFactor: 2, mode: 'bilinear' }); // [N, C, 16, 16] gives [N, C, 32, 32]
 */
export function interpolate(input: Input, options: InterpolateOptions): Variable {
  const x = asVariable(input);
  const resize = resolveResize(x.shape, options);
  const round = x.dtype === 'float64' ? (v: number): number => v : Math.fround;
  return composite('interpolate', [x], resize, () =>
    resize.outputSize.reduce((resized, outSize, axis) => {
      const sampling = axisSampling(x.shape[axis + 2] as number, outSize, resize.scaleFactors?.[axis], resize, round);
      return resampleAxis(resized, axis + 2, sampling);
    }, x),
  );
}
