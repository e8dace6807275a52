import { formatShape, type Shape, type Tensor } from '@kindling/tensor';
import type { InputMeta } from './graph.js';

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((extent, d) => extent === b[d]);
}

/**
 * Sums a gradient that has an op's broadcast output shape back to the shape of the input it belongs
 * to: over the leading dims the input lacked, and over dims where the input had size 1. This is the
 * one place broadcasting is undone, so gradient rules never deal with it.
 *
 * @example
 * reduceToShape(ones([2, 3, 4]), [3, 1]); // shape [3, 1], every element 8
 */
export function reduceToShape(grad: Tensor, shape: Shape): Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  const lead = grad.ndim - shape.length;
  if (lead < 0) {
    throw new Error(`internal: a gradient of shape ${formatShape(grad.shape)} has fewer dims than its input ${formatShape(shape)}`);
  }
  const dims: number[] = [];
  grad.shape.forEach((extent, d) => {
    if (d < lead || (shape[d - lead] === 1 && extent !== 1)) dims.push(d);
  });
  const summed = dims.length > 0 ? grad.sum(dims, true) : grad;
  return summed.reshape(shape);
}

/** A rule's gradient fitted to its input: broadcast dims summed, and cast back to the input's dtype. */
export function fitToInput(grad: Tensor, input: InputMeta): Tensor {
  const reduced = reduceToShape(grad, input.shape);
  return reduced.dtype === input.dtype ? reduced : reduced.to(input.dtype);
}
