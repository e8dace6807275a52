import { tensor } from '@kindling/tensor';
import type { GradCase } from './helpers.js';

const positive = { min: 0.5, max: 2 };

/** Elementwise ops, including broadcast operands and constants (numbers, Tensors, Variables without grad). */
export const elementwiseCases: GradCase[] = [
  { name: 'add with broadcast [3, 1] + [1, 4]', inputs: (m) => [m([3, 1]), m([1, 4])], fn: (a, b) => a.add(b) },
  { name: 'add a number', inputs: (m) => [m([2, 3])], fn: (a) => a.add(2.5) },
  { name: 'add a constant Tensor with broadcast', inputs: (m) => [m([2, 3])], fn: (a) => a.add(tensor([1, 2, 3], { dtype: 'float64', device: a.device })) },
  { name: 'sub with broadcast [2, 3] - [3]', inputs: (m) => [m([2, 3]), m([3])], fn: (a, b) => a.sub(b) },
  { name: 'sub from a grad-free Variable', inputs: (m) => [m([2, 3]), m([2, 3], { requiresGrad: false })], fn: (a, b) => b.sub(a) },
  { name: 'mul with broadcast [3, 1] * [1, 4]', inputs: (m) => [m([3, 1]), m([1, 4])], fn: (a, b) => a.mul(b) },
  { name: 'mul of an input by itself', inputs: (m) => [m([4])], fn: (a) => a.mul(a) },
  { name: 'mul by a number', inputs: (m) => [m([2, 2])], fn: (a) => a.mul(-3) },
  { name: 'div with broadcast [2, 3] / [2, 1]', inputs: (m) => [m([2, 3]), m([2, 1], positive)], fn: (a, b) => a.div(b) },
  { name: 'div of a number-scaled input', inputs: (m) => [m([3], positive)], fn: (a) => a.div(4).add(1).div(a) },
  { name: 'pow with both operands differentiable', inputs: (m) => [m([2, 3], positive), m([3])], fn: (a, b) => a.pow(b) },
  { name: 'pow by a constant exponent (negative bases)', inputs: (m) => [m([2, 3], { min: -2, max: 2 })], fn: (a) => a.pow(3) },
  { name: 'maximum with broadcast', inputs: (m) => [m([3, 4]), m([4])], fn: (a, b) => a.maximum(b) },
  { name: 'minimum with a number', inputs: (m) => [m([3, 4])], fn: (a) => a.minimum(0.25) },
  { name: 'neg', inputs: (m) => [m([2, 3])], fn: (a) => a.neg() },
  { name: 'exp', inputs: (m) => [m([2, 3])], fn: (a) => a.exp() },
  { name: 'log', inputs: (m) => [m([2, 3], positive)], fn: (a) => a.log() },
  { name: 'sqrt', inputs: (m) => [m([2, 3], positive)], fn: (a) => a.sqrt() },
  { name: 'abs', inputs: (m) => [m([3, 4])], fn: (a) => a.abs() },
  { name: 'sign (zero gradient)', inputs: (m) => [m([3, 4])], fn: (a) => a.sign().mul(a) },
  { name: 'relu', inputs: (m) => [m([3, 4])], fn: (a) => a.relu() },
  { name: 'sigmoid', inputs: (m) => [m([3, 4], { min: -4, max: 4 })], fn: (a) => a.sigmoid() },
  { name: 'tanh', inputs: (m) => [m([3, 4], { min: -2, max: 2 })], fn: (a) => a.tanh() },
  { name: 'sin', inputs: (m) => [m([3, 4], { min: -4, max: 4 })], fn: (a) => a.sin() },
  { name: 'cos', inputs: (m) => [m([3, 4], { min: -4, max: 4 })], fn: (a) => a.cos() },
  { name: 'erf, across both of its methods (series and continued fraction)', inputs: (m) => [m([3, 4], { min: -3.5, max: 3.5 })], fn: (a) => a.erf() },
  { name: 'erfc, across both of its methods', inputs: (m) => [m([3, 4], { min: -3, max: 3 })], fn: (a) => a.erfc() },
  { name: 'rsqrt', inputs: (m) => [m([2, 3], positive)], fn: (a) => a.rsqrt() },
  { name: 'expm1', inputs: (m) => [m([2, 3], { min: -2, max: 2 })], fn: (a) => a.expm1() },
  { name: 'log1p', inputs: (m) => [m([2, 3], { min: -0.5, max: 2 })], fn: (a) => a.log1p() },
  { name: 'clamp with both bounds', inputs: (m) => [m([3, 4])], fn: (a) => a.clamp(-0.5, 0.5) },
  { name: 'clamp with only a min', inputs: (m) => [m([3, 4])], fn: (a) => a.clamp(0) },
  { name: 'clamp with only a max (null min)', inputs: (m) => [m([3, 4])], fn: (a) => a.clamp(null, 0.3) },
  {
    name: 'clamp with Variable bounds',
    inputs: (m) => [m([3, 4]), m([4], { min: -1, max: -0.2 }), m([3, 1], { min: 0.2, max: 1 })],
    fn: (a, lo, hi) => a.clamp(lo, hi),
  },
  {
    name: 'clamp with constant Tensor bounds',
    inputs: (m) => [m([3, 4]), m([4], { min: -1, max: -0.2, requiresGrad: false }), m([3, 1], { min: 0.2, max: 1, requiresGrad: false })],
    fn: (a, lo, hi) => a.clamp(lo.data, hi.data),
  },
  {
    name: 'where with broadcast',
    inputs: (m) => [m([3, 4]), m([4])],
    fn: (a, b) => a.where(a.gt(0), b),
  },
  {
    // float32 rounds each value to about 6e-8 relative, so the step must be large for the difference
    // to see past the rounding; the function is linear, so a large step costs no accuracy.
    name: 'a cast to float32 and back (to)',
    inputs: (m) => [m([2, 3])],
    fn: (a) => a.float().mul(2).to('float64'),
    options: { eps: 1e-2, atol: 1e-4 },
  },
  { name: 'a chain of ops', inputs: (m) => [m([2, 3]), m([3])], fn: (a, b) => a.mul(b).tanh().add(a.exp().mul(0.5)).sub(b.sigmoid()) },
];
