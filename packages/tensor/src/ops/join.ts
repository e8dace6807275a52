import { promoteTypes } from '../dtype.js';
import { formatShape, normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './elementwise.js';
import { assertDTypeSupported, commonBackend, disposingAfter, runToTensor } from './support.js';
import { unsqueeze } from './views.js';

/** Joins tensors along an existing `dim`; every other dim must match. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  const backend = commonBackend('cat', tensors);
  const first = tensors[0] as Tensor;
  const d = normalizeDim(dim, first.ndim, 'cat');
  for (const [i, t] of tensors.entries()) {
    if (t.ndim !== first.ndim || t.shape.some((extent, axis) => axis !== d && extent !== first.shape[axis])) {
      throw new Error(`cat: tensor ${i} has shape ${formatShape(t.shape)}, which does not match tensor 0's ${formatShape(first.shape)} outside dim ${d}`);
    }
  }
  const dtype = tensors.map((t) => t.dtype).reduce(promoteTypes);
  assertDTypeSupported(backend, dtype, 'cat');
  const inputs = tensors.map((t) => (t.dtype === dtype ? t : cast(t, dtype)));
  const outShape = [...first.shape];
  outShape[d] = tensors.reduce((total, t) => total + (t.shape[d] as number), 0);
  return disposingAfter(inputs, tensors, () => runToTensor('Concat', backend, { inputs, dim: d, outShape }, outShape, dtype));
}

/** Joins tensors of one shape along a new `dim`. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new Error('stack: expected at least one tensor');
  for (const [i, t] of tensors.entries()) {
    if (t.ndim !== first.ndim || t.shape.some((extent, axis) => extent !== first.shape[axis])) {
      throw new Error(`stack: tensor ${i} has shape ${formatShape(t.shape)} but tensor 0 has ${formatShape(first.shape)}; stacked tensors must match`);
    }
  }
  const d = normalizeDim(dim, first.ndim + 1, 'stack');
  const expanded = tensors.map((t) => unsqueeze(t, d));
  return disposingAfter(expanded, [], () => cat(expanded, d));
}
