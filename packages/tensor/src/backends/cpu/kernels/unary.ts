import type { TypedArray } from '../../../dtype.js';
import type { UnaryOp } from '../../../kernel-names.js';
import { assertNever } from '../../../ops/elementwise-ops.js';
import type { KernelConfig } from '../../../kernel-registry.js';
import type { CpuBackend } from '../cpu-backend.js';
import { contiguousValues, emptyLike, type StridedInput, stridedInput } from '../strided.js';
import { erf, erfc } from './special-functions.js';

/** `op` applied to each element of the floating-point `x`; same shape and dtype, row-major. */
export function unaryImpl(op: UnaryOp, x: StridedInput): TypedArray {
  const v = contiguousValues(x);
  const n = v.length;
  const out = emptyLike(x.values, n);
  // One loop per op keeps the dispatch out of the per-element path.
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -(v[i] as number);
      break;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(v[i] as number);
      break;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(v[i] as number);
      break;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(v[i] as number);
      break;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(v[i] as number);
      break;
    case 'relu':
      // Written as `x < 0 ? 0 : x` so that NaN passes through, as in PyTorch.
      for (let i = 0; i < n; i++) {
        const value = v[i] as number;
        out[i] = value < 0 ? 0 : value;
      }
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-(v[i] as number)));
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(v[i] as number);
      break;
    case 'sign':
      // PyTorch's (0 < x) - (x < 0): -1, 0 or 1, with 0 for NaN and for -0 (Math.sign keeps both).
      for (let i = 0; i < n; i++) {
        const value = v[i] as number;
        out[i] = (value > 0 ? 1 : 0) - (value < 0 ? 1 : 0);
      }
      break;
    case 'sin':
      for (let i = 0; i < n; i++) out[i] = Math.sin(v[i] as number);
      break;
    case 'cos':
      for (let i = 0; i < n; i++) out[i] = Math.cos(v[i] as number);
      break;
    case 'erf':
      for (let i = 0; i < n; i++) out[i] = erf(v[i] as number);
      break;
    case 'erfc':
      for (let i = 0; i < n; i++) out[i] = erfc(v[i] as number);
      break;
    case 'rsqrt':
      for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(v[i] as number);
      break;
    case 'expm1':
      for (let i = 0; i < n; i++) out[i] = Math.expm1(v[i] as number);
      break;
    case 'log1p':
      for (let i = 0; i < n; i++) out[i] = Math.log1p(v[i] as number);
      break;
    default:
      assertNever(op, 'unary op');
  }
  return out;
}

export const unaryConfig: KernelConfig<'Unary', CpuBackend> = {
  kernelName: 'Unary',
  backendName: 'cpu',
  kernelFunc: (backend, { x, op }) => backend.adopt(unaryImpl(op, stridedInput(x))),
};
