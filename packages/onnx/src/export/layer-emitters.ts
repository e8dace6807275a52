import type { Shape } from '@kindling/tensor';
import type { Attribute } from './graph-builder.js';
import { batched, type EmitContext, type Emitter } from './emit-context.js';
import { RECURRENT_EMITTERS } from './recurrent-emitters.js';
import { RESAMPLING_EMITTERS } from './resampling-emitters.js';

/*
 * The composites nn declares (conv2d, batchNorm, gelu, ...), each written as the ONNX op made for
 * it rather than as the ops Kindling builds it from. `takes` says when a composite can be one op;
 * otherwise the exporter writes the ops inside it.
 */

export interface CompositeEmitter {
  readonly takes?: (inputs: readonly unknown[], attrs: Record<string, unknown>, opset: number) => boolean;
  readonly emit: Emitter;
}

interface AxisPadding {
  before: number;
  after: number;
}

interface AxisWindow {
  kernel: number;
  stride: number;
  dilation: number;
  padBefore: number;
}

const PAD_MODES: Readonly<Record<string, string>> = { reflect: 'reflect', replicate: 'edge', circular: 'wrap' };

function convolution(spatialRank: number): Emitter {
  return (c) => {
    const { stride, dilation, padding, groups, mode } = c.attrs as { stride: number[]; dilation: number[]; padding: AxisPadding[]; groups: number; mode: string };
    const kernel = c.shapeOf(1).slice(2);
    const pads = [...padding.map((p) => p.before), ...padding.map((p) => p.after)];
    return batched(c, spatialRank, (x) => {
      let input = x;
      let convPads = pads;
      if (mode !== 'zeros') {
        const onnxMode = PAD_MODES[mode] as string;
        if (onnxMode === 'wrap' && c.opset < 19) throw c.fail(`paddingMode 'circular' needs ONNX's Pad mode 'wrap', which opset 19 introduced; export with opset 19 or use another paddingMode`);
        const allPads = [0, 0, ...padding.map((p) => p.before), 0, 0, ...padding.map((p) => p.after)];
        input = c.node('Pad', [x, c.ints(allPads)], { mode: { string: onnxMode } });
        convPads = pads.map(() => 0);
      }
      const inputs = [input, c.input(1), ...(c.has(2) ? [c.input(2)] : [])];
      return c.node('Conv', inputs, { kernel_shape: { ints: kernel }, strides: { ints: stride }, dilations: { ints: dilation }, pads: { ints: convPads }, group: { int: groups } });
    });
  };
}

function poolAttributes(rows: AxisWindow, cols: AxisWindow, ceilMode: boolean): Record<string, Attribute> {
  return {
    kernel_shape: { ints: [rows.kernel, cols.kernel] },
    strides: { ints: [rows.stride, cols.stride] },
    pads: { ints: [rows.padBefore, cols.padBefore, rows.padBefore, cols.padBefore] },
    ceil_mode: { int: ceilMode ? 1 : 0 },
  };
}

const maxPool2d: Emitter = (c) => {
  const { rows, cols, ceilMode } = c.attrs as { rows: AxisWindow; cols: AxisWindow; ceilMode: boolean };
  return batched(c, 2, (x) => c.node('MaxPool', [x], { ...poolAttributes(rows, cols, ceilMode), dilations: { ints: [rows.dilation, cols.dilation] } }));
};

const avgPool2d: Emitter = (c) => {
  const { rows, cols, ceilMode, countIncludePad, divisorOverride } = c.attrs as { rows: AxisWindow; cols: AxisWindow; ceilMode: boolean; countIncludePad: boolean; divisorOverride: number | null };
  if (divisorOverride !== null && ceilMode) throw c.fail('divisorOverride with ceilMode has no ONNX AveragePool equivalent (its partial windows divide by their size)');
  return batched(c, 2, (x) => {
    const includePad = countIncludePad || divisorOverride !== null;
    const pooled = c.node('AveragePool', [x], { ...poolAttributes(rows, cols, ceilMode), count_include_pad: { int: includePad ? 1 : 0 } });
    return divisorOverride === null ? pooled : c.node('Mul', [pooled, c.scalar((rows.kernel * cols.kernel) / divisorOverride)]);
  });
};

/** Adaptive average pooling is one ONNX op when its windows are all alike: 1×1 output, or extents it divides. */
function adaptiveWindows(inputShape: Shape, outputSize: readonly number[]): boolean {
  const extents = inputShape.slice(-2);
  return outputSize.every((size, i) => (extents[i] as number) % size === 0);
}

const adaptiveAvgPool2d: CompositeEmitter = {
  takes: (inputs, attrs) => adaptiveWindows((inputs[0] as { shape: Shape }).shape, attrs.outputSize as number[]),
  emit: (c) => {
    const outputSize = c.attrs.outputSize as [number, number];
    const extents = c.shapeOf(0).slice(-2) as [number, number];
    return batched(c, 2, (x) => {
      if (outputSize[0] === 1 && outputSize[1] === 1) return c.node('GlobalAveragePool', [x]);
      const kernel = extents.map((extent, i) => extent / (outputSize[i] as number));
      return c.node('AveragePool', [x], { kernel_shape: { ints: kernel }, strides: { ints: kernel } });
    });
  },
};

/** An absent per-channel weight or bias as the constant it stands for. */
function orFilled(c: EmitContext, i: number, shape: readonly number[], value: number): string {
  if (c.has(i)) return c.input(i);
  const count = shape.reduce((a, b) => a * b, 1);
  return c.builder.constant(Array<number>(count).fill(value), shape, c.dtype, c.scope);
}

const batchNorm: CompositeEmitter = {
  takes: (_, attrs) => attrs.training === false,
  emit: (c) => {
    const channels = [c.shapeOf(0)[1] as number];
    return c.node('BatchNormalization', [c.input(0), orFilled(c, 3, channels, 1), orFilled(c, 4, channels, 0), c.input(1), c.input(2)], { epsilon: { float: c.attrs.eps as number } });
  },
};

const layerNorm: CompositeEmitter = {
  takes: (_, __, opset) => opset >= 17,
  emit: (c) => {
    const normalizedShape = c.attrs.normalizedShape as number[];
    const inputs = [c.input(0), orFilled(c, 1, normalizedShape, 1), ...(c.has(2) ? [c.input(2)] : [])];
    return c.node('LayerNormalization', inputs, { axis: { int: -normalizedShape.length }, epsilon: { float: c.attrs.eps as number } });
  },
};

/** GELU as ONNX's own function body writes it: with Erf, or with Tanh for the approximation. */
const gelu: Emitter = (c) => {
  const approximate = c.attrs.approximate as string;
  const x = c.input(0);
  if (c.opset >= 20) return c.node('Gelu', [x], { approximate: { string: approximate } });
  let inner: string;
  if (approximate === 'tanh') {
    const cubed = c.node('Mul', [c.node('Mul', [x, x]), x]);
    const sum = c.node('Add', [x, c.node('Mul', [cubed, c.scalar(0.044715)])]);
    inner = c.node('Tanh', [c.node('Mul', [sum, c.scalar(Math.sqrt(2 / Math.PI))])]);
  } else {
    inner = c.node('Erf', [c.node('Div', [x, c.scalar(Math.SQRT2)])]);
  }
  return c.node('Mul', [c.node('Mul', [x, c.node('Add', [inner, c.scalar(1)])]), c.scalar(0.5)]);
};

const linear: Emitter = (c) => {
  const bias = c.has(2) ? [c.input(2)] : [];
  if (c.shapeOf(0).length === 2) return c.node('Gemm', [c.input(0), c.input(1), ...bias], { transB: { int: 1 } });
  const product = c.node('MatMul', [c.input(0), c.node('Transpose', [c.input(1)], { perm: { ints: [1, 0] } })]);
  return bias.length === 0 ? product : c.node('Add', [product, ...bias]);
};

const randomDropout: Emitter = (c) => {
  throw c.fail(`${c.op.op} with training true draws a new random mask on every call, which an inference graph cannot hold; export in evaluation mode (exportOnnx calls model.eval()) or pass training=false`);
};

/** A bool mask (true = masked out) as the additive one attention adds to its scores: −∞ where true, 0 elsewhere. */
const additiveMask: Emitter = (c) => c.node('Where', [c.input(0, null), c.scalar(-Infinity), c.scalar(0)]);

export const LAYER_EMITTERS: Readonly<Record<string, CompositeEmitter>> = {
  linear: { emit: linear },
  conv1d: { emit: convolution(1) },
  conv2d: { emit: convolution(2) },
  maxPool2d: { emit: maxPool2d },
  avgPool2d: { emit: avgPool2d },
  adaptiveAvgPool2d,
  batchNorm,
  layerNorm,
  embedding: { emit: (c) => c.node('Gather', [c.input(1), c.input(0, null)], { axis: { int: 0 } }) },
  gelu: { emit: gelu },
  leakyRelu: { emit: (c) => c.node('LeakyRelu', [c.input(0)], { alpha: { float: c.attrs.negativeSlope as number } }) },
  elu: { emit: (c) => c.node('Elu', [c.input(0)], { alpha: { float: c.attrs.alpha as number } }) },
  dropout: { emit: randomDropout },
  dropout2d: { emit: randomDropout },
  additiveMask: { emit: additiveMask },
  ...RESAMPLING_EMITTERS,
  ...RECURRENT_EMITTERS,
};
