import { isFloatingDType, promoteTypes, promoteWithScalar, type DType } from '../dtype.js';
import { broadcastShapes, type Shape } from '../shape.js';
import { Tensor, type TensorOrScalar } from '../tensor.js';
import { BINARY_OPS, UNARY_OPS, type BinaryOp, type CompareOp, type DTypeRule, type UnaryOp } from './elementwise-ops.js';
import { describeValue } from './operand.js';
import { assertDTypeSupported, broadcastView, commonBackend, disposingAfter, runToTensor } from './support.js';

/** A copy of `t` converted to `dtype` (float to int truncates toward zero; nonzero becomes true). */
export function cast(t: Tensor, dtype: DType): Tensor {
  assertDTypeSupported(commonBackend('cast', [t]), dtype, 'cast');
  return runToTensor('Cast', t.backend, { x: t, dtype }, t.shape, dtype);
}

function castIfNeeded(t: Tensor, dtype: DType): Tensor {
  return t.dtype === dtype ? t : cast(t, dtype);
}

function scalarLike(value: number | boolean, like: Tensor, dtype: DType): Tensor {
  return runToTensor('Fill', like.backend, { size: 1, value: Number(value), dtype }, [], dtype);
}

/**
 * Turns the operands of an elementwise op into tensors of one dtype on one backend. A JS number
 * becomes a 0-d tensor and, as in PyTorch, does not widen a tensor's dtype beyond its category.
 */
function operands(opName: string, values: readonly TensorOrScalar[], resultDType: (common: DType) => DType): { tensors: Tensor[]; temporaries: Tensor[]; dtype: DType } {
  for (const v of values) checkedOperand(opName, v);
  const tensors = values.filter((v): v is Tensor => v instanceof Tensor);
  const backend = commonBackend(opName, tensors);
  let common = tensors.map((t) => t.dtype).reduce(promoteTypes);
  for (const v of values) if (!(v instanceof Tensor)) common = promoteWithScalar(common, v);
  const dtype = resultDType(common);
  assertDTypeSupported(backend, dtype, opName);
  const temporaries: Tensor[] = [];
  const converted = values.map((v) => {
    const t = v instanceof Tensor ? castIfNeeded(v, dtype) : scalarLike(v, tensors[0] as Tensor, dtype);
    if (t !== v) temporaries.push(t);
    return t;
  });
  return { tensors: converted, temporaries, dtype };
}

/** `value` as an operand: a Tensor, a number or a boolean; anything else would become NaN through Number(), so it is refused. */
export function checkedOperand(opName: string, value: unknown): TensorOrScalar {
  if (value instanceof Tensor || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new TypeError(
    `${opName}: expected a Tensor, a number or a boolean operand, got ${describeValue(value)}; ` +
      'build a tensor with tensor([...]), or call the op on the Variable (variable.add(t)) for a differentiable result',
  );
}

function broadcastAll(opName: string, tensors: readonly Tensor[]): Shape {
  return tensors.map((t) => t.shape).reduce((a, b) => broadcastShapes(a, b, opName));
}

/** The dtype an op computes in and returns, by its declared rule, for operands of dtype `common`. */
function ruleDType(opName: string, rule: DTypeRule, common: DType): DType {
  if (rule === 'floating') return isFloatingDType(common) ? common : 'float32';
  if (rule === 'numeric' && common === 'bool') throw new TypeError(`${opName}: not defined for bool tensors; convert with t.int() or t.float() first`);
  return common;
}

/** `a op b` with broadcasting and the op's dtype rule (elementwise-ops.ts). */
export function binary(opName: BinaryOp, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const { tensors, temporaries, dtype } = operands(opName, [a, b], (common) => ruleDType(opName, BINARY_OPS[opName].dtype, common));
  const [x, y] = tensors as [Tensor, Tensor];
  const shape = broadcastAll(opName, [x, y]);
  return disposingAfter(temporaries, [], () =>
    runToTensor('Binary', x.backend, { a: broadcastView(x, shape), b: broadcastView(y, shape), op: opName }, shape, dtype),
  );
}

/** `a op b` as a bool tensor, with broadcasting. */
export function compare(opName: CompareOp, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const { tensors, temporaries } = operands(opName, [a, b], (d) => d);
  const [x, y] = tensors as [Tensor, Tensor];
  const shape = broadcastAll(opName, [x, y]);
  return disposingAfter(temporaries, [], () =>
    runToTensor('Compare', x.backend, { a: broadcastView(x, shape), b: broadcastView(y, shape), op: opName }, shape, 'bool'),
  );
}

/** `op(x)` elementwise, by the op's dtype rule (elementwise-ops.ts). */
export function unary(opName: UnaryOp, x: Tensor): Tensor {
  commonBackend(opName, [x]);
  const dtype = ruleDType(opName, UNARY_OPS[opName].dtype, x.dtype);
  const input = castIfNeeded(x, dtype);
  return disposingAfter([input], [x], () => runToTensor('Unary', x.backend, { x: input, op: opName }, x.shape, dtype));
}

/*
 * The free functions. Each is the declared op (elementwise-ops.ts); a type test checks that the
 * package exports one for every declared op.
 */
export const add = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('add', a, b);
export const sub = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('sub', a, b);
export const mul = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('mul', a, b);
export const div = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('div', a, b);
export const pow = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('pow', a, b);
export const maximum = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('maximum', a, b);
export const minimum = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('minimum', a, b);

export const eq = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('eq', a, b);
export const ne = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('ne', a, b);
export const lt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('lt', a, b);
export const le = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('le', a, b);
export const gt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('gt', a, b);
export const ge = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('ge', a, b);

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const sin = (x: Tensor): Tensor => unary('sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', x);
export const erf = (x: Tensor): Tensor => unary('erf', x);
export const erfc = (x: Tensor): Tensor => unary('erfc', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const expm1 = (x: Tensor): Tensor => unary('expm1', x);
export const log1p = (x: Tensor): Tensor => unary('log1p', x);

/**
 * Checks torch.masked_fill's mask: bool, and broadcastable to `target` without growing it.
 */
export function assertFillMask(target: { shape: readonly number[] }, mask: Tensor): void {
  if (mask.dtype !== 'bool') throw new TypeError(`maskedFill: the mask must be a bool tensor, got ${mask.dtype}; build it with a comparison such as x.eq(0)`);
  const shape = broadcastShapes(target.shape, mask.shape, 'maskedFill');
  if (shape.length !== target.shape.length || shape.some((extent, d) => extent !== target.shape[d])) {
    throw new Error(`maskedFill: a mask of shape [${mask.shape.join(', ')}] does not broadcast to the tensor's shape [${target.shape.join(', ')}]`);
  }
}

/** torch.masked_fill: `t` with `value` where `mask` (bool, broadcast to t's shape) is true. */
export function maskedFill(t: Tensor, mask: Tensor, value: TensorOrScalar): Tensor {
  assertFillMask(t, mask);
  return where(mask, value, t);
}

/** Elements of `a` where `condition` is true, of `b` elsewhere; all three broadcast together. */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (condition.dtype !== 'bool') {
    throw new TypeError(`where: condition must be a bool tensor, got ${condition.dtype}; build it with a comparison such as x.gt(0)`);
  }
  const { tensors, temporaries, dtype } = operands('where', [a, b], (d) => d);
  const [x, y] = tensors as [Tensor, Tensor];
  commonBackend('where', [condition, x]);
  const shape = broadcastAll('where', [condition, x, y]);
  return disposingAfter(temporaries, [], () =>
    runToTensor(
      'Where',
      x.backend,
      { condition: broadcastView(condition, shape), a: broadcastView(x, shape), b: broadcastView(y, shape) },
      shape,
      dtype,
    ),
  );
}

/** Limits every element to [min, max]; either bound may be omitted (null). */
export function clamp(x: Tensor, min?: number | Tensor | null, max?: number | Tensor | null): Tensor {
  const hasMin = min !== undefined && min !== null;
  const hasMax = max !== undefined && max !== null;
  if (!hasMin && !hasMax) throw new Error('clamp: give at least one of min and max');
  if (!hasMin) return minimum(x, max as number | Tensor);
  const lowered = maximum(x, min);
  if (!hasMax) return lowered;
  return disposingAfter([lowered], [], () => minimum(lowered, max));
}
