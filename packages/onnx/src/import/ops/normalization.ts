import { noGrad, Variable } from '@kindling/autograd';
import { ones, tidy, type Tensor } from '@kindling/tensor';
import type { Attributes } from '../attributes.js';
import { input, inputNumbers, normalizeAxis, unsupported, type NodeContext, type OpTable } from '../op-types.js';

/* Normalisations and Dropout, for inference, composed from differentiable ops. */

/** [C] as [1, C, 1, ...] against an input of rank `rank`. */
function perChannel(v: Variable, rank: number): Variable {
  return v.reshape([1, v.shape[0] as number, ...Array<number>(Math.max(rank - 2, 0)).fill(1)]);
}

/**
 * Whether the node was exported for training: training_mode=1 from opset 14; before it (from
 * opset 7), running statistics named as outputs, as PyTorch's training-mode exports name them.
 */
function isTrainingNode(attrs: Attributes, opset: number, outputCount: number): boolean {
  return opset >= 14 ? attrs.int('training_mode', 0) === 1 : opset >= 7 && outputCount > 1;
}

function batchNormalization(ctx: NodeContext): Variable[] {
  const x = input(ctx, 0);
  if (isTrainingNode(ctx.attrs, ctx.opset, ctx.outputCount) && ctx.training) return batchNormalizationTraining(ctx, x);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => perChannel(input(ctx, i), x.ndim)) as [Variable, Variable, Variable, Variable];
  const normalized = x.sub(mean).div(variance.add(ctx.attrs.float('epsilon', 1e-5)).sqrt());
  // In evaluation mode a training node's statistics (running, and before opset 14 saved) pass through unchanged.
  return [normalized.mul(scale).add(bias), input(ctx, 3), input(ctx, 4), input(ctx, 3), input(ctx, 4)];
}

/** `running·momentum + batch·(1 − momentum)`, ONNX's blend of running statistics. */
function blend<T extends { mul(factor: number): T; add(other: T): T }>(running: T, batch: T, momentum: number): T {
  return running.mul(momentum).add(batch.mul(1 - momentum));
}

/**
 * Training mode (a graph exported with training_mode=1, run under `model.train()`): the batch's
 * statistics normalise, and running-statistics buffers move towards them in place as BatchNorm2d's
 * do, with the unbiased variance, so that a PyTorch export fine-tunes and then evaluates as in
 * PyTorch. The node's optional running outputs follow ONNX's definition, the biased variance;
 * before opset 14 its saved mean and variance (which ONNX leaves loosely defined) are the batch's.
 */
function batchNormalizationTraining(ctx: NodeContext, x: Variable): Variable[] {
  const dims = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
  const channels = x.shape[1] as number;
  const count = x.numel() / channels;
  if (count <= 1) throw new Error(`${ctx.where}: training mode needs more than 1 value per channel, got an input of shape [${x.shape.join(', ')}]; run it in evaluation mode (model.eval())`);
  const momentum = ctx.attrs.float('momentum', 0.9);
  const mean = x.mean(dims, true);
  const centered = x.sub(mean);
  const variance = centered.mul(centered).mean(dims, true);
  const normalized = centered.div(variance.add(ctx.attrs.float('epsilon', 1e-5)).sqrt());
  const y = normalized.mul(perChannel(input(ctx, 1), x.ndim)).add(perChannel(input(ctx, 2), x.ndim));
  const [batchMean, batchVariance] = [mean.reshape([channels]), variance.reshape([channels])];
  const runningMean = input(ctx, 3);
  const runningVariance = input(ctx, 4);
  const outputs = [y, blend(runningMean, batchMean, momentum), blend(runningVariance, batchVariance, momentum), batchMean, batchVariance];
  noGrad(() =>
    tidy(() => {
      ctx.inputs[3]?.buffer?.copy_(blend<Tensor>(runningMean.data, batchMean.data, momentum));
      ctx.inputs[4]?.buffer?.copy_(blend<Tensor>(runningVariance.data, batchVariance.data.mul(count / (count - 1)), momentum));
    }),
  );
  return outputs;
}

function checkBatchNormalization(attrs: Attributes, node: { where: string; opset: number; outputCount: number }): void {
  if (attrs.int('is_test', 1) === 0 || (node.outputCount > 1 && !isTrainingNode(attrs, node.opset, node.outputCount))) {
    throw unsupported(
      node.where,
      'BatchNormalization training',
      'BatchNormalization in training mode before opset 7 (is_test=0), or with running statistics as outputs and training_mode=0, is not supported (supported: inference, training_mode=1 from opset 14, and statistics as outputs from opset 7 to 13)',
    );
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
