import { Variable } from '@kindling/autograd';
import { ones, type Tensor } from '@kindling/tensor';
import type { Attributes } from '../attributes.js';
import { expectOneOf, input, type NodeContext, type OpTable } from '../op-types.js';

/*
 * The classification losses, over [N, C] or [N, C, d1, ...] scores: the negative log-likelihood of
 * each target class, weighted per class, with ignored targets counting for nothing, and the mean
 * divided by the weight of the targets counted.
 */

const REDUCTIONS = ['mean', 'sum', 'none'];

function nll(ctx: NodeContext, logProbs: Variable): Variable {
  const target = input(ctx, 1).data;
  const ignoreIndex = ctx.attrs.int('ignore_index');
  const ignored = ignoreIndex === undefined ? undefined : target.eq(ignoreIndex);
  // Ignored targets may lie outside [0, C): they read class 0, whose value the weight then zeroes.
  const safe: Tensor = ignored === undefined ? target : target.where(ignored.eq(false), 0);
  const picked = logProbs.gather(1, safe.unsqueeze(1)).squeeze(1);
  const classWeights = ctx.inputs[2]?.variable;
  let weights = classWeights === undefined ? new Variable(ones(target.shape, { dtype: logProbs.dtype, device: logProbs.device })) : classWeights.indexSelect(0, safe.reshape([safe.numel()])).reshape(target.shape);
  if (ignored !== undefined) weights = weights.where(ignored.eq(false), 0);
  const losses = picked.neg().mul(weights);
  const reduction = ctx.attrs.string('reduction', 'mean');
  if (reduction === 'none') return losses;
  return reduction === 'sum' ? losses.sum() : losses.sum().div(weights.sum());
}

function checkReduction(attrs: Attributes, node: { where: string }, opType: string): void {
  expectOneOf(node.where, opType, 'reduction', attrs.string('reduction', 'mean'), REDUCTIONS);
}

export const lossOps: OpTable = {
  NegativeLogLikelihoodLoss: {
    attributes: ['reduction', 'ignore_index'],
    check: (attrs, node) => checkReduction(attrs, node, 'NegativeLogLikelihoodLoss'),
    run: (ctx) => [nll(ctx, input(ctx, 0))],
  },
  SoftmaxCrossEntropyLoss: {
    attributes: ['reduction', 'ignore_index'],
    check: (attrs, node) => checkReduction(attrs, node, 'SoftmaxCrossEntropyLoss'),
    run: (ctx) => {
      const logProbs = input(ctx, 0).logSoftmax(1);
      return [nll(ctx, logProbs), logProbs];
    },
  },
};
