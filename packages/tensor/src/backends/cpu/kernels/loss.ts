import type { TypedArray } from '../../../dtype.js';
import type { LossReduction } from '../../../kernel-names.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import type { CpuBackend } from '../cpu-backend.js';
import { emptyLike, inputOffsets, type StridedInput, stridedInput } from '../strided.js';

/** Each row's max and log Σ exp(x − max), read through `logits`' strides. */
function rowLogSumExp(logits: StridedInput, row: number): { max: number; logSum: number } {
  const classes = logits.shape[1] as number;
  const base = logits.offset + row * (logits.strides[0] as number);
  const step = logits.strides[1] as number;
  const v = logits.values;
  let max = -Infinity;
  for (let j = 0; j < classes; j++) max = Math.max(max, v[base + j * step] as number);
  let sum = 0;
  for (let j = 0; j < classes; j++) sum += Math.exp((v[base + j * step] as number) - max);
  return { max, logSum: Math.log(sum) };
}

/** The rows whose target is not `ignoreIndex`: what 'mean' divides by. */
function countKept(targets: TypedArray, at: Int32Array, ignoreIndex: number): number {
  let kept = 0;
  for (const p of at) if (targets[p] !== ignoreIndex) kept++;
  return kept;
}

/** Softmax cross-entropy of each row of `logits` [n, c] against `target` [n], reduced as asked. */
export function crossEntropyImpl(logits: StridedInput, target: StridedInput, ignoreIndex: number, reduction: LossReduction): TypedArray {
  const rows = logits.shape[0] as number;
  const at = inputOffsets(target);
  const losses = emptyLike(logits.values, rows);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const label = target.values[at[i] as number] as number;
    if (label === ignoreIndex) continue;
    const { max, logSum } = rowLogSumExp(logits, i);
    const picked = logits.values[logits.offset + i * (logits.strides[0] as number) + label * (logits.strides[1] as number)] as number;
    const loss = max - picked + logSum;
    losses[i] = loss;
    total += loss;
  }
  if (reduction === 'none') return losses;
  const out = emptyLike(logits.values, 1);
  // With every row ignored, 'mean' is 0 / 0 = NaN, as in PyTorch.
  out[0] = reduction === 'sum' ? total : total / countKept(target.values, at, ignoreIndex);
  return out;
}

/** CrossEntropy's gradient: g_i · (softmax(logits[i]) − onehot(target[i])) per row, zero where ignored. */
export function crossEntropyGradImpl(logits: StridedInput, target: StridedInput, gradOutput: StridedInput, ignoreIndex: number, reduction: LossReduction): TypedArray {
  const [rows, classes] = logits.shape as [number, number];
  const at = inputOffsets(target);
  const gradAt = inputOffsets(gradOutput);
  const scale = reduction === 'mean' ? 1 / countKept(target.values, at, ignoreIndex) : 1;
  const out = emptyLike(logits.values, rows * classes);
  const step = logits.strides[1] as number;
  for (let i = 0; i < rows; i++) {
    const label = target.values[at[i] as number] as number;
    if (label === ignoreIndex) continue;
    const g = (gradOutput.values[gradAt[reduction === 'none' ? i : 0] as number] as number) * scale;
    const { max, logSum } = rowLogSumExp(logits, i);
    const base = logits.offset + i * (logits.strides[0] as number);
    for (let j = 0; j < classes; j++) {
      const probability = Math.exp((logits.values[base + j * step] as number) - max - logSum);
      out[i * classes + j] = g * (probability - (j === label ? 1 : 0));
    }
  }
  return out;
}

export const crossEntropyConfig: KernelConfig<'CrossEntropy', CpuBackend> = {
  kernelName: 'CrossEntropy',
  backendName: 'cpu',
  kernelFunc: (backend, { logits, target, ignoreIndex, reduction }) =>
    backend.adopt(crossEntropyImpl(stridedInput(logits), stridedInput(target), ignoreIndex, reduction)),
};

export const crossEntropyGradConfig: KernelConfig<'CrossEntropyGrad', CpuBackend> = {
  kernelName: 'CrossEntropyGrad',
  backendName: 'cpu',
  kernelFunc: (backend, { logits, target, gradOutput, ignoreIndex, reduction }) =>
    backend.adopt(crossEntropyGradImpl(stridedInput(logits), stridedInput(target), stridedInput(gradOutput), ignoreIndex, reduction)),
};
