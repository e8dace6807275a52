import type { Variable } from '@kindling/autograd';
import { OnnxUnsupportedError } from '../errors.js';
import type { Attributes } from './attributes.js';
import type { Value } from './value.js';

/** What an op's implementation sees of the node it runs. */
export interface NodeContext {
  /** `'Conv' node 'conv1' (opset 17)`, for error messages. */
  readonly where: string;
  readonly opType: string;
  readonly opset: number;
  readonly device: string;
  readonly attrs: Attributes;
  /** The inputs in order; an omitted optional input is undefined. */
  readonly inputs: readonly (Value | undefined)[];
  /** How many outputs the node names (optional trailing ones may be left out). */
  readonly outputCount: number;
  /** The model's training mode (`model.train()`), which BatchNormalization with training_mode=1 follows. */
  readonly training: boolean;
}

/** What an op returns per output: a Variable, or a Value when it knows the exact numbers. */
export type OpResult = Variable | Value;

/**
 * One ONNX op type: the attributes it understands (any other is refused at import), a check of
 * their values at import (an OnnxUnsupportedError for what Kindling cannot do), and the function
 * that builds its outputs from differentiable Kindling ops.
 */
export interface OnnxOp {
  readonly attributes: readonly string[];
  readonly check?: (attrs: Attributes, ctx: { where: string; opset: number; outputCount: number }) => void;
  run(ctx: NodeContext): OpResult[];
}

/** A table of ops, keyed by ONNX op type. */
export type OpTable = Readonly<Record<string, OnnxOp>>;

/** The `i`-th input, which the op requires. */
export function input(ctx: NodeContext, i: number): Variable {
  const value = ctx.inputs[i];
  if (value === undefined) throw new Error(`${ctx.where}: input ${i} is required but was not given`);
  return value.variable;
}

/** An unsupported attribute value or type: the node, the op and what is supported. */
export function unsupported(where: string, reason: string, detail: string): OnnxUnsupportedError {
  return new OnnxUnsupportedError(reason, `${where}: ${detail}`);
}

/** The exact numbers of input `i` (a shape, axes, pads...), which must be known before it runs. */
export function inputNumbers(ctx: NodeContext, i: number, what: string): readonly number[] | undefined {
  const value = ctx.inputs[i];
  if (value === undefined) return undefined;
  const numbers = value.numbers();
  if (numbers === undefined) {
    throw unsupported(ctx.where, `${ctx.opType} ${what} computed on an asynchronous device`, `its ${what} (input ${i}) is computed on the asynchronous device '${ctx.device}' and cannot be read while the graph runs; import the model on 'cpu' or 'workers'`);
  }
  return numbers;
}

/** `axis` made non-negative for rank `rank`, or an error naming the node. */
export function normalizeAxis(axis: number, rank: number, where: string): number {
  const d = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(d) || d < 0 || d >= rank) throw new Error(`${where}: axis ${axis} is out of range for rank ${rank}`);
  return d;
}

/** Refuses a value of an attribute that the op does not support, naming the allowed ones. */
export function expectOneOf<T>(where: string, opType: string, name: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) {
    throw unsupported(where, `${opType} ${name}=${JSON.stringify(value)}`, `${name}=${JSON.stringify(value)} is not supported (supported: ${allowed.map((a) => JSON.stringify(a)).join(', ')})`);
  }
}
