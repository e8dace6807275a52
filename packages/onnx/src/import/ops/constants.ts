import { Variable } from '@kindling/autograd';
import { arange, full } from '@kindling/tensor';
import { ONNX_DTYPE } from '../../proto/proto.js';
import { assertDeviceHolds, kindlingDType, onnxDType, onnxTypeName, readTensorProto } from '../../tensor-proto.js';
import type { Attributes } from '../attributes.js';
import { input, inputNumbers, unsupported, type NodeContext, type OpTable } from '../op-types.js';
import { Value } from '../value.js';

/* Constants, shapes of constants, and type conversions. */

const CONSTANT_ATTRIBUTES = ['value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'sparse_value', 'value_string', 'value_strings'];

function constant(ctx: NodeContext): Value[] {
  const { attrs } = ctx;
  const known = (onnxType: number, shape: readonly number[], values: readonly number[]): Value[] => [Value.known({ onnxType, shape, values }, ctx.device, ctx.where)];
  const proto = attrs.tensor('value');
  if (proto !== undefined) return [Value.known(readTensorProto(proto, `${ctx.where}'s value`), ctx.device, ctx.where)];
  if (attrs.has('value_float')) return known(ONNX_DTYPE.FLOAT, [], [attrs.float('value_float', 0)]);
  if (attrs.has('value_int')) return known(ONNX_DTYPE.INT64, [], [attrs.int('value_int', 0)]);
  const floats = attrs.floats('value_floats');
  if (floats !== undefined) return known(ONNX_DTYPE.FLOAT, [floats.length], floats);
  const ints = attrs.ints('value_ints') ?? [];
  return known(ONNX_DTYPE.INT64, [ints.length], ints);
}

function checkConstant(attrs: Attributes, node: { where: string }): void {
  const kind = ['sparse_value', 'value_string', 'value_strings'].find((name) => attrs.has(name));
  if (kind !== undefined) throw unsupported(node.where, `Constant ${kind}`, `a ${kind} constant is not supported (supported: value, value_float(s), value_int(s))`);
  if (!CONSTANT_ATTRIBUTES.some((name) => attrs.has(name))) throw new Error(`${node.where}: a Constant needs one of ${CONSTANT_ATTRIBUTES.join(', ')}`);
}

/** Cast's target: an element type code, or before opset 6 its name ('FLOAT'). */
function castTarget(attrs: Attributes): number {
  if (attrs.typeOf('to') === 3) {
    const name = attrs.string('to', '').toUpperCase();
    return ONNX_DTYPE[name as keyof typeof ONNX_DTYPE] ?? -1;
  }
  return attrs.int('to', 0);
}

function checkCast(attrs: Attributes, node: { where: string }): void {
  const target = castTarget(attrs);
  kindlingDType(target, `${node.where}'s target type`);
}

function castTo(ctx: NodeContext, onnxType: number): Variable {
  const dtype = kindlingDType(onnxType, `${ctx.where}'s target type ${onnxTypeName(onnxType)}`);
  assertDeviceHolds(ctx.device, dtype, `${ctx.where}'s result`);
  return input(ctx, 0).to(dtype);
}

export const constantOps: OpTable = {
  Constant: { attributes: CONSTANT_ATTRIBUTES, check: checkConstant, run: constant },
  ConstantOfShape: {
    attributes: ['value'],
    run: (ctx) => {
      const proto = ctx.attrs.tensor('value');
      const fill = proto === undefined ? { onnxType: ONNX_DTYPE.FLOAT, values: [0] } : readTensorProto(proto, `${ctx.where}'s value`);
      const shape = inputNumbers(ctx, 0, 'shape') ?? [];
      const dtype = kindlingDType(fill.onnxType, `${ctx.where}'s value`);
      return [new Variable(full(shape, fill.values[0] ?? 0, { dtype, device: ctx.device }))];
    },
  },
  Cast: { attributes: ['to', 'saturate'], check: checkCast, run: (ctx) => [castTo(ctx, castTarget(ctx.attrs))] },
  CastLike: { attributes: ['saturate'], run: (ctx) => [castTo(ctx, onnxDType(input(ctx, 1).dtype))] },
  Range: {
    attributes: [],
    run: (ctx) => {
      const [start, limit, delta] = [0, 1, 2].map((i) => inputNumbers(ctx, i, ['start', 'limit', 'delta'][i] as string)?.[0] ?? 0) as [number, number, number];
      const dtype = (ctx.inputs[0] as Value).dtype;
      const count = Math.max(Math.ceil((limit - start) / delta), 0);
      return [new Variable(arange(start, start + count * delta, delta, { dtype, device: ctx.device }))];
    },
  },
};

