import { tensor } from '@kindling/tensor';
import { cat, crossEntropy, einsum, stack } from '../../src/index.js';
import type { GradCase } from './helpers.js';

const int32 = (values: number[] | number[][], device: string) => tensor(values, { dtype: 'int32', device });

/** matmul in every rank combination, reductions, softmax, indexing and joins. */
export const opCases: GradCase[] = [
  { name: 'matmul 2-D @ 2-D', inputs: (m) => [m([3, 4]), m([4, 2])], fn: (a, b) => a.matmul(b) },
  { name: 'matmul 1-D @ 2-D', inputs: (m) => [m([4]), m([4, 2])], fn: (a, b) => a.matmul(b) },
  { name: 'matmul 2-D @ 1-D', inputs: (m) => [m([3, 4]), m([4])], fn: (a, b) => a.matmul(b) },
  { name: 'matmul 1-D @ 1-D', inputs: (m) => [m([4]), m([4])], fn: (a, b) => a.matmul(b) },
  { name: 'matmul batched @ 2-D (broadcast batch)', inputs: (m) => [m([2, 3, 4]), m([4, 5])], fn: (a, b) => a.matmul(b) },
  { name: 'matmul with batch dims broadcast on both sides', inputs: (m) => [m([2, 1, 3, 4]), m([3, 4, 2])], fn: (a, b) => a.matmul(b) },
  { name: 'matmul 1-D @ batched', inputs: (m) => [m([4]), m([2, 4, 3])], fn: (a, b) => a.matmul(b) },
  { name: 'matmul of transposed operands', inputs: (m) => [m([4, 3]), m([2, 4])], fn: (a, b) => a.transpose(0, 1).matmul(b.T) },
  { name: 'matmul by a constant Tensor', inputs: (m) => [m([3, 4]), m([4, 2], { requiresGrad: false })], fn: (a, b) => a.matmul(b.data) },
  { name: 'sum of every element', inputs: (m) => [m([3, 4])], fn: (a) => a.sum() },
  { name: 'sum over a dim', inputs: (m) => [m([3, 4])], fn: (a) => a.sum(1) },
  { name: 'sum over a negative dim with keepdim', inputs: (m) => [m([2, 3, 4])], fn: (a) => a.sum(-1, true) },
  { name: 'sum over several dims', inputs: (m) => [m([2, 3, 4])], fn: (a) => a.sum([0, -1]) },
  { name: 'mean of every element', inputs: (m) => [m([3, 4])], fn: (a) => a.mean() },
  { name: 'mean over a negative dim with keepdim', inputs: (m) => [m([2, 3, 4])], fn: (a) => a.mean(-2, true) },
  { name: 'max of every element', inputs: (m) => [m([3, 4])], fn: (a) => a.max() },
  { name: 'min of every element', inputs: (m) => [m([3, 4])], fn: (a) => a.min() },
  { name: 'max over a dim', inputs: (m) => [m([3, 4])], fn: (a) => a.max(1).values },
  { name: 'max over a negative dim with keepdim', inputs: (m) => [m([2, 3, 4])], fn: (a) => a.max(-2, true).values },
  { name: 'min over a dim with keepdim', inputs: (m) => [m([3, 4])], fn: (a) => a.min(0, true).values },
  { name: 'min over a negative dim', inputs: (m) => [m([3, 4])], fn: (a) => a.min(-1).values },
  { name: 'softmax over the last dim', inputs: (m) => [m([3, 4], { min: -3, max: 3 })], fn: (a) => a.softmax(-1) },
  { name: "einsum 'bqd,bkd->bqk' then 'bqk,bkd->bqd' (attention's two products)", inputs: (m) => [m([2, 3, 4]), m([2, 5, 4]), m([2, 5, 4])], fn: (q, k, v) => einsum('bqk,bkd->bqd', einsum('bqd,bkd->bqk', q, k), v) },
  { name: "einsum with a diagonal and a sum over a label one operand uses ('ii,ij->j')", inputs: (m) => [m([3, 3]), m([3, 4])], fn: (a, b) => einsum('ii,ij->j', a, b) },
  { name: 'bmm', inputs: (m) => [m([2, 3, 4]), m([2, 4, 2])], fn: (a, b) => a.bmm(b) },
  { name: 'cumsum over dim 0 and over the last dim', inputs: (m) => [m([3, 4])], fn: (a) => a.cumsum(0).add(a.cumsum(-1).mul(2)) },
  { name: 'tril and triu with offsets, batched', inputs: (m) => [m([2, 3, 4])], fn: (a) => a.tril(1).add(a.triu(-1).mul(3)) },
  { name: 'sort along the last dim, both directions', inputs: (m) => [m([3, 5])], fn: (a) => a.sort(-1).values.add(a.sort(0, true).values.mul(2)) },
  { name: 'topk largest and smallest', inputs: (m) => [m([3, 5])], fn: (a) => a.topk(2).values.sum().add(a.topk(1, 0, false).values.sum()) },
  { name: 'maskedFill with a constant and with a Variable', inputs: (m) => [m([3, 4]), m([])], fn: (a, v) => a.maskedFill(a.gt(0), -1).add(a.maskedFill(a.lt(0), v)) },
  { name: 'split and chunk pieces recombined', inputs: (m) => [m([2, 7])], fn: (a) => a.split(3, 1)[2]!.sum().add(a.split([2, 5], 1)[1]!.mul(2).sum()).add(a.chunk(2, 0)[1]!.sum()) },
  { name: 'softmax over dim 0', inputs: (m) => [m([3, 4], { min: -3, max: 3 })], fn: (a) => a.softmax(0) },
  { name: 'logSoftmax over dim 1', inputs: (m) => [m([3, 4], { min: -3, max: 3 })], fn: (a) => a.logSoftmax(1) },
  { name: 'logSoftmax over a negative dim of a 3-D input', inputs: (m) => [m([2, 3, 4])], fn: (a) => a.logSoftmax(-2) },
  {
    name: 'cross-entropy built from logSoftmax and gather',
    inputs: (m) => [m([3, 4], { min: -3, max: 3 })],
    fn: (a) => a.logSoftmax(1).gather(1, int32([[1], [0], [3]], a.device)).mean().neg(),
  },
  {
    name: "fused crossEntropy, 'mean' with an ignored row",
    inputs: (m) => [m([4, 3], { min: -3, max: 3 })],
    fn: (a) => crossEntropy(a, int32([2, -100, 0, 1], a.device)),
  },
  {
    name: "fused crossEntropy, 'none' on a transposed view with a custom ignoreIndex",
    inputs: (m) => [m([3, 4], { min: -3, max: 3 })],
    fn: (a) => crossEntropy(a.transpose(0, 1), int32([0, 2, 2, 1], a.device), { reduction: 'none', ignoreIndex: 2 }),
  },
  { name: "fused crossEntropy, 'sum'", inputs: (m) => [m([2, 5], { min: -3, max: 3 })], fn: (a) => crossEntropy(a, int32([4, 0], a.device), { reduction: 'sum' }) },
  { name: 'gather with repeated indices', inputs: (m) => [m([3, 4])], fn: (a) => a.gather(1, int32([[0, 0], [3, 1], [2, 2]], a.device)) },
  { name: 'gather along a negative dim', inputs: (m) => [m([3, 4])], fn: (a) => a.gather(-2, int32([[2, 0, 1, 1]], a.device)) },
  { name: 'indexSelect with repeated indices', inputs: (m) => [m([3, 4])], fn: (a) => a.indexSelect(0, int32([2, 0, 2], a.device)) },
  { name: 'indexSelect along a negative dim', inputs: (m) => [m([3, 4])], fn: (a) => a.indexSelect(-1, int32([3, 1], a.device)) },
  {
    name: 'scatterAdd with repeated indices into base and from src',
    inputs: (m) => [m([3, 4]), m([2, 4])],
    fn: (base, src) => base.scatterAdd(0, int32([[2, 0, 2, 1], [2, 2, 0, 0]], base.device), src),
  },
  {
    name: 'scatterAdd from a src larger than index (the rest gets no gradient)',
    inputs: (m) => [m([3, 2]), m([3, 3])],
    fn: (base, src) => base.scatterAdd(1, int32([[1], [0], [1]], base.device), src),
  },
  {
    name: 'indexAdd with repeated indices along a negative dim',
    inputs: (m) => [m([3, 4]), m([3, 3])],
    fn: (base, src) => base.indexAdd(-1, int32([3, 0, 3], base.device), src),
  },
  {
    // Tensor.mul(Variable) and Tensor.matmul(Variable) hand the op to the Variable, which records it.
    name: 'a Tensor on the left of a Variable (mul, then matmul)',
    inputs: (m) => [m([3, 4]), m([4, 2]), m([3, 4], { requiresGrad: false })],
    fn: (a, b, constant) => constant.data.mul(a).matmul(b).add(constant.data.matmul(b)),
  },
  { name: 'cat along dim 0', inputs: (m) => [m([2, 3]), m([4, 3])], fn: (a, b) => cat([a, b], 0) },
  {
    name: 'cat along a negative dim with a constant',
    inputs: (m) => [m([2, 3]), m([2, 1])],
    fn: (a, b) => cat([a, tensor([[7], [8]], { dtype: 'float64', device: a.device }), b], -1),
  },
  { name: 'stack along a new middle dim', inputs: (m) => [m([2, 3]), m([2, 3])], fn: (a, b) => stack([a, b], 1) },
  { name: 'stack along a negative dim', inputs: (m) => [m([2, 3]), m([2, 3])], fn: (a, b) => stack([b, a, b], -1) },
];
