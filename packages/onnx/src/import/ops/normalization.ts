import { Variable } from '@kindling/autograd';
import { ones } from '@kindling/tensor';
import type { Attributes } from '../attributes.js';
import { input, inputNumbers, normalizeAxis, unsupported, type NodeContext, type OpTable } from '../op-types.js';

/* Normalisations and Dropout, for inference, composed from differentiable ops. */

/** [C] as [1, C, 1, ...] against an input of rank `rank`. */
function perChannel(v: Variable, rank: number): Variable {
  return v.reshape([1, v.shape[0] as number, ...Array<number>(Math.max(rank - 2, 0)).fill(1)]);
}

function batchNormalization(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => perChannel(input(ctx, i), x.ndim)) as [Variable, Variable, Variable, Variable];
  const normalized = x.sub(mean).div(variance.add(ctx.attrs.float('epsilon', 1e-5)).sqrt());
  return [normalized.mul(scale).add(bias)];
}

function checkBatchNormalization(attrs: Attributes, node: { where: string; outputCount: number }): void {
  if (attrs.int('training_mode', 0) !== 0 || attrs.int('is_test', 1) === 0 || node.outputCount > 1) {
    throw unsupported(node.where, 'BatchNormalization training', 'BatchNormalization in training mode (training_mode=1, is_test=0 or the running statistics as outputs) is not supported (supported: inference)');
  }
  if (attrs.int('spatial', 1) !== 1) throw unsupported(node.where, 'BatchNormalization spatial=0', 'spatial=0 (statistics per activation) is not supported (supported: spatial=1)');
}

/** Mean and variance over `dims` (kept), and x normalised by them. */
function standardize(x: Variable, dims: number[], eps: number): { normalized: Variable; mean: Variable; invStdDev: Variable } {
  const mean = x.mean(dims, true);
  const centered = x.sub(mean);
  const invStdDev = centered.mul(centered).mean(dims, true).add(eps).sqrt().pow(-1);
  return { normalized: centered.mul(invStdDev), mean, invStdDev };
}

function instanceNormalization(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const dims = x.shape.slice(2).map((_, i) => i + 2);
  const { normalized } = standardize(x, dims, ctx.attrs.float('epsilon', 1e-5));
  return [normalized.mul(perChannel(input(ctx, 1), x.ndim)).add(perChannel(input(ctx, 2), x.ndim))];
}

function layerNormalization(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const axis = normalizeAxis(ctx.attrs.int('axis', -1), x.ndim, ctx.where);
  const dims = x.shape.slice(axis).map((_, i) => i + axis);
  const { normalized, mean, invStdDev } = standardize(x, dims, ctx.attrs.float('epsilon', 1e-5));
  const scaled = normalized.mul(input(ctx, 1));
  const bias = ctx.inputs[2];
  return [bias === undefined ? scaled : scaled.add(bias.variable), mean, invStdDev];
}

/** Inference Dropout passes its input through; its optional mask is all true. */
function dropout(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  const training = ctx.opset >= 12 ? inputNumbers(ctx, 2, 'training_mode')?.[0] : undefined;
  if (training) throw unsupported(ctx.where, 'Dropout training', 'Dropout with training_mode true is not supported (supported: inference, where it passes its input through)');
  return [x, new Variable(ones(x.shape, { dtype: 'bool', device: x.device }))];
}

export const normalizationOps: OpTable = {
  BatchNormalization: {
    attributes: ['epsilon', 'momentum', 'training_mode', 'spatial', 'is_test', 'consumed_inputs'],
    check: checkBatchNormalization,
    run: batchNormalization,
  },
  InstanceNormalization: { attributes: ['epsilon'], run: instanceNormalization },
  LayerNormalization: { attributes: ['axis', 'epsilon', 'stash_type'], run: layerNormalization },
  Dropout: {
    attributes: ['ratio', 'seed', 'is_test'],
    check: (attrs, node) => {
      if (node.opset < 7 && attrs.int('is_test', 0) === 0) throw unsupported(node.where, 'Dropout training', 'Dropout with is_test=0 (training) is not supported (supported: inference)');
    },
    run: dropout,
  },
};
