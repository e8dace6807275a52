import type { Tensor, TensorOrScalar } from '../tensor.js';
import { runKernel } from '../engine.js';
import { broadcastShapes, formatShape } from '../shape.js';
import { cast } from './elementwise.js';
import { describeValue } from './operand.js';
import { broadcastView, commonBackend, runToTensor } from './support.js';

/*
 * In-place writes (PyTorch's trailing-underscore methods): the one way a tensor's values change
 * after it was made, apart from the optimizers' fused kernels. Each runs the `Assign` kernel, which
 * counts as a write of the target's storage, so a graph that saved it for backward refuses to
 * differentiate through the old values.
 */

/** Refuses a target whose elements share memory (an expanded view): a write would land twice. */
function assertWritable(target: Tensor, opName: string): void {
  target.assertUsable(opName);
  const shared = target.shape.findIndex((extent, d) => extent > 1 && target.strides[d] === 0);
  if (shared !== -1) {
    throw new Error(
      `${opName}: the tensor of shape ${formatShape(target.shape)} is an expanded view whose elements share memory along dim ${shared} (stride 0); ` +
        'write into a tensor of its own (t.clone() or t.contiguous()) instead',
    );
  }
}

/** `source` as a tensor of `target`'s dtype on its backend, which the caller frees when it is not `source`. */
function sourceFor(target: Tensor, source: TensorOrScalar, opName: string): Tensor {
  if (typeof source === 'number' || typeof source === 'boolean') {
    return runToTensor('Fill', target.backend, { size: 1, value: Number(source), dtype: target.dtype }, [], target.dtype);
  }
  if (typeof source !== 'object' || source === null || !('storage' in source)) {
    throw new TypeError(`${opName}: expected a Tensor, a number or a boolean to write, got ${describeValue(source)}`);
  }
  commonBackend(opName, [target, source]);
  const broadcast = broadcastShapes(source.shape, target.shape, opName);
  if (formatShape(broadcast) !== formatShape(target.shape)) {
    throw new Error(`${opName}: a source of shape ${formatShape(source.shape)} cannot be broadcast to the target's shape ${formatShape(target.shape)}`);
  }
  const converted = source.dtype === target.dtype ? source : cast(source, target.dtype);
  // A source that shares the target's storage is copied first, so the write never reads what it has already written.
  return converted.storage === target.storage ? converted.clone() : converted;
}

/** Writes `source` (broadcast to `target`'s shape and converted to its dtype) into `target`, in place; returns `target`. */
export function copyInto(target: Tensor, source: TensorOrScalar, opName = 'copy_'): Tensor {
  assertWritable(target, opName);
  const from = sourceFor(target, source, opName);
  try {
    if (target.numel() > 0) runKernel('Assign', target.backend, { target, source: broadcastView(from, target.shape) });
  } finally {
    if (from !== source) from.dispose();
  }
  return target;
}
