import { normalizeDim, shapeSize, type Shape } from '../shape.js';
import type { SizeMethod } from '../tensor.js';

/**
 * Node's `util.inspect.custom`, by its registered name so that browsers need no `node:util`:
 * `console.log(t)` prints what `toString()` gives instead of the object's fields.
 */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

let warnedSizeAsNumber = false;

/**
 * `size` as PyTorch's method, for a tensor of `shape`. Read where a number is expected, it is the
 * element count, as the `size` property was, with a one-time warning to use `numel()`: code written
 * before `size` became a method keeps its arithmetic (strict equality cannot be kept; TypeScript
 * flags every such use).
 */
export function sizeMethod(shape: Shape, owner: string): SizeMethod {
  function size(): readonly number[];
  function size(dim: number): number;
  function size(dim?: number): readonly number[] | number {
    if (dim === undefined) return shape;
    return shape[normalizeDim(dim, shape.length, 'size')] as number;
  }
  return Object.assign(size, {
    [Symbol.toPrimitive](): number {
      if (!warnedSizeAsNumber) {
        warnedSizeAsNumber = true;
        console.warn(`${owner}.size is a method now, as in PyTorch (size() is the shape, size(dim) one dim); read as a number it is the element count: use numel() for that`);
      }
      return shapeSize(shape);
    },
  });
}
