import { Variable, type TracedOp } from '@kindling/autograd';
import { isTensor, type DType, type Shape } from '@kindling/tensor';
import { OnnxExportError } from '../errors.js';
import type { Attribute, GraphBuilder } from './graph-builder.js';

/** What an emitter sees of one traced op while it writes the nodes that compute it. */
export class EmitContext {
  constructor(
    readonly op: TracedOp,
    /** The module path the op ran in (`/conv1`), '' at the top. */
    readonly scope: string,
    readonly builder: GraphBuilder,
  ) {}

  get opset(): number {
    return this.builder.opset;
  }

  /** The output's dtype and shape. */
  get dtype(): DType {
    return this.op.output.dtype;
  }

  get shape(): Shape {
    return this.op.output.shape;
  }

  get attrs(): Record<string, unknown> {
    return this.op.attrs as Record<string, unknown>;
  }

  /** Whether operand `i` is given (a composite passes null for an absent bias or weight). */
  has(i: number): boolean {
    const value = this.op.inputs[i];
    return value !== null && value !== undefined;
  }

  shapeOf(i: number): Shape {
    const value = this.op.inputs[i];
    return value instanceof Variable || isTensor(value) ? value.shape : [];
  }

  dtypeOfInput(i: number): DType {
    const value = this.op.inputs[i];
    return value instanceof Variable || isTensor(value) ? value.dtype : Number.isInteger(value) ? 'int32' : 'float32';
  }

  /** Operand `i` as a graph value: numbers become constants of `dtype`; tensors are cast to `dtype` when it is given. */
  input(i: number, dtype: DType | null = this.dtype): string {
    const value = this.op.inputs[i];
    if (typeof value === 'number' || typeof value === 'boolean') return this.builder.constant([Number(value)], [], dtype ?? this.dtype, this.scope);
    if (!(value instanceof Variable) && !isTensor(value)) throw this.fail(`operand ${i} is ${String(value)}, not a tensor`);
    const name = this.builder.nameOf(value, this.scope);
    return dtype === null ? name : this.builder.cast(name, dtype, this.scope);
  }

  /** An int64 1-D constant (a shape, axes, pads). */
  ints(values: readonly number[]): string {
    return this.builder.constant(values, [values.length], 'int64', this.scope);
  }

  /** A 0-d constant of `dtype` (the output's by default). */
  scalar(value: number, dtype: DType = this.dtype): string {
    return this.builder.constant([value], [], dtype, this.scope);
  }

  /** Adds one node and gives its (first) output's name. */
  node(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, Attribute>> = {}, dtype: DType = this.dtype): string {
    return this.builder.node(opType, inputs, attributes, this.scope, dtype)[0] as string;
  }

  /** An export error naming the op, the module path and what went wrong. */
  fail(detail: string): OnnxExportError {
    return new OnnxExportError(this.op.op, this.scope, `exportOnnx: '${this.op.op}' in ${describeScope(this.scope)}: ${detail}`);
  }
}

/** A module path as the exporter keeps it (`/features/0`, '' at the top) in words: `module 'features.0'`. */
export function describeScope(scope: string): string {
  return scope === '' ? 'the top-level module' : `module '${scope.slice(1).replace(/\//g, '.')}'`;
}

/** Runs `emit` on a batched input: an unbatched one ([C, ...spatial]) gets a batch dim of 1 around it. */
export function batched(c: EmitContext, spatialRank: number, emit: (x: string) => string): string {
  const unbatched = c.shapeOf(0).length === spatialRank + 1;
  const x = unbatched ? c.node('Unsqueeze', [c.input(0), c.ints([0])]) : c.input(0);
  const y = emit(x);
  return unbatched ? c.node('Squeeze', [y, c.ints([0])]) : y;
}

/** Writes the nodes of one traced op; gives the name of the value that is its output. */
export type Emitter = (ctx: EmitContext) => string;
