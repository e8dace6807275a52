import type { View } from '../backend.js';
import { promoteTypes } from '../dtype.js';
import { formatShape, normalizeDim, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './elementwise.js';
import {
  assertIndexDType,
  assertIndicesInRange,
  commonBackend,
  disposingAfter,
  indexValuesIfReadable,
  runToTensor,
} from './support.js';

function checkGatherShapes(opName: string, x: Tensor, index: Tensor, d: number): void {
  if (index.ndim !== x.ndim) {
    throw new Error(`${opName}: index must have the same rank as the input, got index ${formatShape(index.shape)} for input ${formatShape(x.shape)}`);
  }
  index.shape.forEach((extent, axis) => {
    if (axis !== d && extent > (x.shape[axis] as number)) {
      throw new Error(`${opName}: index ${formatShape(index.shape)} is larger than the input ${formatShape(x.shape)} at dim ${axis} (only dim ${d} may differ)`);
    }
  });
}

/**
 * torch.gather: picks `x`'s entries along `dim` at the int32 `index` (same rank as `x`); the result
 * has the index's shape. For dim 1: out[i][j] = x[i][index[i][j]].
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  commonBackend('gather', [x, index]);
  assertIndexDType(index, 'gather');
  const d = normalizeDim(dim, x.ndim, 'gather');
  checkGatherShapes('gather', x, index, d);
  assertIndicesInRange(indexValuesIfReadable(index), x.shape[d] ?? 1, 'gather', `dim ${d}`);
  return runToTensor('Gather', x.backend, { x, index, dim: d }, index.shape, x.dtype);
}

function checkIndexVector(opName: string, x: Tensor, index: Tensor, d: number): void {
  assertIndexDType(index, opName);
  if (index.ndim !== 1) throw new Error(`${opName}: index must be 1-D, got shape ${formatShape(index.shape)}`);
  assertIndicesInRange(indexValuesIfReadable(index), x.shape[d] ?? 1, opName, `dim ${d} of shape ${formatShape(x.shape)}`);
}

/**
 * The 1-D `index` read as if expanded to `shape`, varying only along `dim` (stride 0 elsewhere, no
 * copy): what makes indexSelect a gather and indexAdd a scatter-add, on every backend.
 */
function expandAlong(index: Tensor, shape: Shape, dim: number): View {
  const step = index.strides[0] ?? 1;
  return { storage: index.storage, dtype: index.dtype, shape, strides: shape.map((_, d) => (d === dim ? step : 0)), offset: index.offset };
}

/** torch.index_select: the entries of `x` along `dim` at the 1-D int32 `index`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  commonBackend('indexSelect', [x, index]);
  const d = normalizeDim(dim, x.ndim, 'indexSelect');
  checkIndexVector('indexSelect', x, index, d);
  const shape = [...x.shape];
  shape[d] = index.numel();
  return runToTensor('Gather', x.backend, { x, index: expandAlong(index, shape, d), dim: d }, shape, x.dtype);
}

function sameDTypeSource(opName: string, base: Tensor, src: Tensor): Tensor {
  const dtype = promoteTypes(base.dtype, src.dtype);
  if (dtype !== base.dtype) {
    throw new TypeError(`${opName}: src of dtype ${src.dtype} cannot be added into a ${base.dtype} tensor without losing precision; convert base first`);
  }
  return src.dtype === dtype ? src : cast(src, dtype);
}

/** Out-of-place torch.scatter_add: a copy of `base` with `src` added at `index` along `dim`. */
export function scatterAdd(base: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  commonBackend('scatterAdd', [base, index, src]);
  assertIndexDType(index, 'scatterAdd');
  const d = normalizeDim(dim, base.ndim, 'scatterAdd');
  checkGatherShapes('scatterAdd', base, index, d);
  if (src.ndim !== index.ndim || index.shape.some((extent, axis) => extent > (src.shape[axis] as number))) {
    throw new Error(`scatterAdd: src ${formatShape(src.shape)} must be at least as large as index ${formatShape(index.shape)} in every dim`);
  }
  assertIndicesInRange(indexValuesIfReadable(index), base.shape[d] ?? 1, 'scatterAdd', `dim ${d}`);
  const source = sameDTypeSource('scatterAdd', base, src);
  return disposingAfter([source], [src], () =>
    runToTensor('ScatterAdd', base.backend, { base, index, src: source, dim: d }, base.shape, base.dtype),
  );
}

/** Out-of-place torch.index_add: a copy of `base` with slice i of `src` added at slice index[i] of `dim`. */
export function indexAdd(base: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  commonBackend('indexAdd', [base, index, src]);
  const d = normalizeDim(dim, base.ndim, 'indexAdd');
  checkIndexVector('indexAdd', base, index, d);
  const expected = base.shape.map((extent, axis) => (axis === d ? index.numel() : extent));
  if (src.ndim !== base.ndim || src.shape.some((extent, axis) => extent !== expected[axis])) {
    throw new Error(`indexAdd: src must have shape ${formatShape(expected)} for base ${formatShape(base.shape)} and ${index.numel()} indices, got ${formatShape(src.shape)}`);
  }
  const source = sameDTypeSource('indexAdd', base, src);
  return disposingAfter([source], [src], () =>
    runToTensor('ScatterAdd', base.backend, { base, index: expandAlong(index, source.shape, d), src: source, dim: d }, base.shape, base.dtype),
  );
}

/**
 * int32 one-hot encoding with a trailing dim of `numClasses`; -1 uses the largest index + 1
 * (which needs a synchronous backend to read the indices).
 */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  commonBackend('oneHot', [indices]);
  assertIndexDType(indices, 'oneHot');
  const values = indexValuesIfReadable(indices);
  let classes = numClasses;
  if (classes === -1) {
    if (!values) throw new Error(`oneHot: numClasses must be given on the asynchronous backend '${indices.device}'`);
    classes = values.reduce((a, b) => Math.max(a, b + 1), 0);
  }
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`oneHot: numClasses must be a positive integer or -1, got ${numClasses}`);
  assertIndicesInRange(values, classes, 'oneHot', 'numClasses');
  return runToTensor('OneHot', indices.backend, { indices, numClasses: classes }, [...indices.shape, classes], 'int32');
}
