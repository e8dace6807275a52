import { describeValue, fromValues, isTensor, stack, type Tensor } from '@kindling/tensor';

/**
 * What `defaultCollate` makes of a list of items of type `T`: tensors are stacked, numbers and
 * booleans become tensors, and tuples and records are collated field by field.
 */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : T extends object
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : never;

function isPlainRecord(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31;
}

function collateAt(items: readonly unknown[], path: string): unknown {
  const first = items[0];
  const mismatch = items.findIndex((item) => describeValue(item) !== describeValue(first));
  if (mismatch !== -1) {
    throw new TypeError(`defaultCollate: ${path} is ${describeValue(first)} in item 0 but ${describeValue(items[mismatch])} in item ${mismatch}; every item must have the same structure`);
  }
  if (isTensor(first)) return stack(items as Tensor[]);
  if (typeof first === 'boolean') return fromValues(Uint8Array.from(items as boolean[], Number), [items.length]);
  if (typeof first === 'number') {
    const numbers = items as number[];
    // JavaScript has one number type; integers are taken for labels (int32), as torch's Python ints.
    return numbers.every(isInt32) ? fromValues(Int32Array.from(numbers), [items.length]) : fromValues(Float32Array.from(numbers), [items.length]);
  }
  if (Array.isArray(first)) {
    const width = first.length;
    const ragged = items.findIndex((item) => (item as unknown[]).length !== width);
    if (ragged !== -1) {
      throw new RangeError(`defaultCollate: ${path} has ${width} elements in item 0 but ${(items[ragged] as unknown[]).length} in item ${ragged}; every item must have the same length`);
    }
    return first.map((_, i) => collateAt(items.map((item) => (item as unknown[])[i]), `${path}[${i}]`));
  }
  if (typeof first === 'object' && first !== null && isPlainRecord(first)) {
    const keys = Object.keys(first);
    const out: Record<string, unknown> = {};
    for (const [i, item] of items.entries()) {
      const itemKeys = Object.keys(item as object);
      if (itemKeys.length !== keys.length || keys.some((key) => !Object.hasOwn(item as object, key))) {
        throw new TypeError(`defaultCollate: ${path} has the keys {${keys.join(', ')}} in item 0 but {${itemKeys.join(', ')}} in item ${i}; every item must have the same keys`);
      }
    }
    for (const key of keys) out[key] = collateAt(items.map((item) => (item as Record<string, unknown>)[key]), `${path}.${key}`);
    return out;
  }
  throw new TypeError(`defaultCollate: ${path} is ${describeValue(first)}; it collates tensors, numbers, booleans, and arrays and plain records of them (pass a collate function for other items)`);
}

/**
 * Merges a list of items into a batch, as torch's `default_collate`: tensors are stacked along a new
 * first dim, numbers become a tensor (int32 when all are int32 integers, float32 otherwise),
 * booleans a bool tensor, and arrays and plain records are collated element by element.
 *
 * @example
 * defaultCollate([{ x: tensor([1, 2]), y: 0 }, { x: tensor([3, 4]), y: 1 }]); // { x: [2, 2] float32, y: [2] int32 }
 */
export function defaultCollate<T>(items: readonly T[]): Collated<T> {
  if (items.length === 0) throw new RangeError('defaultCollate: expected at least one item, got none');
  return collateAt(items, 'item') as Collated<T>;
}
