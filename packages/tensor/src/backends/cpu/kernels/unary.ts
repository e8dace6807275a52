import type { TypedArray } from '../../../dtype.js';
import type { UnaryOp } from '../../../kernel-names.js';
import { elementwiseMath } from '../../../ops/elementwise-ops.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import type { CpuBackend } from '../cpu-backend.js';
import { elementwiseLoop } from '../elementwise-codegen.js';
import { contiguousValues, emptyLike, type StridedInput, stridedInput } from '../strided.js';

/** `op` applied to each element of `x`, by its declared math; same shape and dtype, row-major. */
export function unaryImpl(op: UnaryOp, x: StridedInput): TypedArray {
  const v = contiguousValues(x);
  const out = emptyLike(x.values, v.length);
  const domain = x.values instanceof Float32Array || x.values instanceof Float64Array ? 'float' : 'int';
  elementwiseLoop(elementwiseMath('unary', op), 1, domain, false, `unary '${op}'`)([v], out, v.length);
  return out;
}

export const unaryConfig: KernelConfig<'Unary', CpuBackend> = {
  kernelName: 'Unary',
  backendName: 'cpu',
  kernelFunc: (backend, { x, op }) => backend.adopt(unaryImpl(op, stridedInput(x))),
};
