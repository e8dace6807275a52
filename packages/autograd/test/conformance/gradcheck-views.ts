import { Variable } from '../../src/index.js';
import type { GradCase } from './helpers.js';

/** Views, copies, and inputs whose storage is not contiguous (transposed, expanded). */
export const viewCases: GradCase[] = [
  { name: 'reshape', inputs: (m) => [m([3, 4])], fn: (a) => a.reshape(2, -1, 3).mul(a.reshape([2, 2, 3])) },
  { name: 'view', inputs: (m) => [m([3, 4])], fn: (a) => a.view(4, 3).exp() },
  { name: 'flatten from dim 1', inputs: (m) => [m([2, 3, 2])], fn: (a) => a.flatten(1).exp() },
  { name: 'squeeze of one dim', inputs: (m) => [m([3, 1, 4])], fn: (a) => a.squeeze(1).exp() },
  { name: 'squeeze of every unit dim', inputs: (m) => [m([1, 3, 1])], fn: (a) => a.squeeze().exp() },
  { name: 'unsqueeze at a negative dim', inputs: (m) => [m([3, 4])], fn: (a) => a.unsqueeze(-1).exp() },
  { name: 'transpose', inputs: (m) => [m([3, 4]), m([3])], fn: (a, b) => a.transpose(0, 1).mul(b) },
  { name: 'transpose of negative dims', inputs: (m) => [m([2, 3, 4])], fn: (a) => a.transpose(-1, -3).exp() },
  { name: 'T', inputs: (m) => [m([3, 4]), m([3])], fn: (a, b) => a.T.mul(b) },
  { name: 'permute', inputs: (m) => [m([2, 3, 4]), m([2])], fn: (a, b) => a.permute(2, 0, -2).mul(b.unsqueeze(-1)) },
  { name: 'expand of a unit dim', inputs: (m) => [m([3, 1]), m([3, 4])], fn: (a, b) => a.expand(3, 4).mul(b) },
  { name: 'expand with new leading dims and -1', inputs: (m) => [m([3, 1]), m([2, 3, 4])], fn: (a, b) => a.expand([2, -1, 4]).mul(b) },
  { name: 'expandAs', inputs: (m) => [m([4]), m([3, 4])], fn: (a, b) => a.expandAs(b).mul(b) },
  { name: 'narrow', inputs: (m) => [m([3, 5])], fn: (a) => a.narrow(1, 1, 3).exp() },
  { name: 'narrow with a negative start and dim', inputs: (m) => [m([3, 5])], fn: (a) => a.narrow(-1, -2, 2).exp() },
  { name: 'slice with a step', inputs: (m) => [m([3, 5])], fn: (a) => a.slice(1, 0, 5, 2).exp() },
  { name: 'slice with a negative start and clamped end', inputs: (m) => [m([4, 3])], fn: (a) => a.slice(0, -3, 100).exp() },
  { name: 'select with a negative index', inputs: (m) => [m([3, 4])], fn: (a) => a.select(0, -1).exp() },
  { name: 'select along dim 1', inputs: (m) => [m([3, 4])], fn: (a) => a.select(1, 2).exp() },
  { name: 'contiguous of a transposed input', inputs: (m) => [m([3, 4])], fn: (a) => a.transpose(0, 1).contiguous().exp() },
  { name: 'clone', inputs: (m) => [m([3, 4])], fn: (a) => a.clone().mul(a) },
  {
    name: 'ops on a transposed leaf (non-contiguous data)',
    inputs: (m) => [new Variable(m([4, 3]).data.transpose(0, 1), { requiresGrad: true }), m([4])],
    fn: (a, b) => a.mul(b).sum(0).exp(),
  },
  {
    name: 'ops on an expanded leaf (stride-0 data)',
    inputs: (m) => [new Variable(m([1, 4]).data.expand(3, 4), { requiresGrad: true }), m([3, 1])],
    fn: (a, b) => a.mul(b).tanh(),
  },
  {
    name: 'matmul and reductions on an expanded Variable',
    inputs: (m) => [m([1, 4]), m([4, 2])],
    fn: (a, b) => a.expand(3, 4).matmul(b).softmax(0).max(1).values,
  },
];
