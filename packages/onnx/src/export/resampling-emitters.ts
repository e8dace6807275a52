import { batched, type EmitContext, type Emitter } from './emit-context.js';
import type { Attribute } from './graph-builder.js';

/*
 * nn's transposed convolutions and interpolate, each as the one ONNX op made for it (ConvTranspose,
 * Resize), with the attributes PyTorch's exporter writes for the same call.
 */

interface TransposedGeometry {
  stride: number[];
  padding: number[];
  outputPadding: number[];
  dilation: number[];
  groups: number;
}

interface Resize {
  mode: 'nearest' | 'linear' | 'bilinear';
  alignCorners: boolean;
  outputSize: number[];
  scaleFactors: number[] | null;
}

function convolutionTransposed(spatialRank: number): Emitter {
  return (c) => {
    const { stride, padding, outputPadding, dilation, groups } = c.attrs as unknown as TransposedGeometry;
    const inputs = [c.input(1), ...(c.has(2) ? [c.input(2)] : [])];
    return batched(c, spatialRank, (x) =>
      c.node('ConvTranspose', [x, ...inputs], {
        kernel_shape: { ints: c.shapeOf(1).slice(2) },
        strides: { ints: stride },
        pads: { ints: [...padding, ...padding] },
        dilations: { ints: dilation },
        output_padding: { ints: outputPadding },
        group: { int: groups },
      }),
    );
  };
}

/**
 * The Resize sizes input: the input's own batch and channel dims (read with Shape, so that a
 * dynamic batch stays dynamic) followed by the output's spatial size.
 */
function sizesOf(c: EmitContext, x: string, outputSize: readonly number[]): string {
  const leading = c.node('Slice', [c.node('Shape', [x], {}, 'int32'), c.ints([0]), c.ints([2])], {}, 'int32');
  return c.node('Concat', [leading, c.ints(outputSize)], { axis: { int: 0 } }, 'int32');
}

/**
 * ONNX's Resize sizes its output as floor(in · scale) with a float32 scale, where nn (as PyTorch)
 * multiplies by the double: 10 · 0.7 is 7 in nn and, with 0.7 as float32 (0.69999999), 6 in
 * double precision (7 in float32, as ONNX Runtime multiplies). Where a runtime can give another
 * size, no Resize samples as nn does (sizes would sample every in / size positions, not 1 / scaleFactor).
 */
function assertScalesGiveOutputSize(c: EmitContext, scaleFactors: readonly number[], outputSize: readonly number[]): void {
  const spatial = c.shapeOf(0).slice(2);
  spatial.forEach((extent, axis) => {
    const scale = Math.fround(scaleFactors[axis] as number);
    const sizes = [Math.floor(extent * scale), Math.floor(Math.fround(extent * scale))];
    const other = sizes.find((size) => size !== outputSize[axis]);
    if (other !== undefined) {
      throw c.fail(
        `scaleFactor ${scaleFactors[axis]} on a spatial dim of ${extent} gives ${outputSize[axis]} positions in nn (as PyTorch), but ONNX's Resize multiplies by the float32 scale ${scale} and may give ${other}; ` +
          'choose a scale factor whose product with the input size is exact in float32, or resize to a size instead',
      );
    }
  });
}

/**
 * Nearest resizing reads input floor(i · scale) for output i: nn as PyTorch's kernel, multiplying
 * by 1 / scaleFactor (or in / out) in the input's precision, ONNX Runtime dividing by the float32
 * scale (or out / in). Where the two round to different sides of a whole position (2 to 82: output
 * 41 reads position 0 in nn and 1 in ONNX Runtime), the graph would not be the model.
 */
function assertNearestSamplesAsNn(c: EmitContext, scaleFactors: readonly number[] | null, outputSize: readonly number[]): void {
  const round = c.dtypeOfInput(0) === 'float64' ? (v: number): number => v : Math.fround;
  c.shapeOf(0)
    .slice(2)
    .forEach((extent, axis) => {
      const out = outputSize[axis] as number;
      const factor = scaleFactors?.[axis];
      const nnStep = round(factor === undefined ? extent / out : 1 / factor);
      const onnxScale = Math.fround(factor ?? out / extent);
      for (let i = 0; i < out; i++) {
        const nnPosition = Math.min(Math.floor(round(i * nnStep)), extent - 1);
        const onnxPosition = Math.min(Math.floor(Math.fround(i / onnxScale)), extent - 1);
        if (nnPosition !== onnxPosition) {
          throw c.fail(
            `nearest resizing of a spatial dim of ${extent} to ${out} reads input position ${nnPosition} for output ${i} in nn (as PyTorch's kernel rounds), where ONNX's Resize reads ${onnxPosition}; ` +
              'choose an output size that is a whole multiple of the input size (or divides it), or another mode',
          );
        }
      }
    });
}

/**
 * interpolate as Resize, as PyTorch's exporter writes `nn.Upsample`: nearest with asymmetric
 * coordinates rounded down, linear with `align_corners` or `pytorch_half_pixel`. A scale factor is
 * written as scales (ONNX then samples every 1 / scale positions, as nn does); a size, and any
 * align_corners resize, as sizes, since align_corners depends on the sizes alone and ONNX would
 * align the corners of an unrounded output length.
 */
const interpolate: Emitter = (c) => {
  const { mode, alignCorners, outputSize, scaleFactors } = c.attrs as unknown as Resize;
  if (mode === 'nearest') assertNearestSamplesAsNn(c, scaleFactors, outputSize);
  const x = c.input(0);
  const attributes: Record<string, Attribute> =
    mode === 'nearest'
      ? { mode: { string: 'nearest' }, coordinate_transformation_mode: { string: 'asymmetric' }, nearest_mode: { string: 'floor' } }
      : { mode: { string: 'linear' }, coordinate_transformation_mode: { string: alignCorners ? 'align_corners' : 'pytorch_half_pixel' } };
  if (scaleFactors !== null && !alignCorners) {
    assertScalesGiveOutputSize(c, scaleFactors, outputSize);
    const scales = c.builder.constant([1, 1, ...scaleFactors], [scaleFactors.length + 2], 'float32', c.scope);
    return c.node('Resize', [x, '', scales], attributes);
  }
  return c.node('Resize', [x, '', '', sizesOf(c, x, outputSize)], attributes);
};

export const RESAMPLING_EMITTERS: Readonly<Record<string, { emit: Emitter }>> = {
  convTranspose1d: { emit: convolutionTransposed(1) },
  convTranspose2d: { emit: convolutionTransposed(2) },
  interpolate: { emit: interpolate },
};
