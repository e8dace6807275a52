import { erfc } from '../../tensor/src/backends/cpu/kernels/special-functions';
import {
  UNARY_COS,
  UNARY_ERF,
  UNARY_ERFC,
  UNARY_EXP,
  UNARY_EXPM1,
  UNARY_LOG,
  UNARY_LOG1P,
  UNARY_RSQRT,
  UNARY_SIGMOID,
  UNARY_SIN,
  UNARY_TANH,
} from '../src/kernels/op-codes';
import { erfF32 } from './vector-math';

/*
 * The transcendental unary ops, each computed in float64 and rounded once to float32, as the cpu
 * kernel computes them with Math.*; AssemblyScript's Math is a port of musl's libm, so the float64
 * values agree with V8's to within an ulp and the float32 results almost always bit for bit. erfc is
 * the cpu kernel's own source, compiled here. erf is GELU's, over every MLP activation of a
 * transformer: the cpu kernel's float64 series cost ~80 ns an element, so it is the float32
 * polynomial of vector-math.ts instead (~1 ns, within 2.1e-7 relative of the float64 value).
 */
function unaryMath(op: i32, x: f64): f64 {
  switch (op) {
    case UNARY_EXP:
      return Math.exp(x);
    case UNARY_LOG:
      return Math.log(x);
    case UNARY_SIGMOID:
      return 1 / (1 + Math.exp(-x));
    case UNARY_TANH:
      return Math.tanh(x);
    case UNARY_SIN:
      return Math.sin(x);
    case UNARY_COS:
      return Math.cos(x);
    case UNARY_ERFC:
      return erfc(x);
    case UNARY_RSQRT:
      return 1 / Math.sqrt(x);
    case UNARY_EXPM1:
      return Math.expm1(x);
    case UNARY_LOG1P:
      return Math.log1p(x);
    default:
      return unreachable();
  }
}

/** out[i] = op(x[i]) for i < n, for the ops above and erf. */
export function unaryMathF32(op: i32, x: usize, out: usize, n: i32): void {
  if (op === UNARY_ERF) {
    erfF32(x, out, n);
    return;
  }
  const end = <usize>n << 2;
  for (let i: usize = 0; i < end; i += 4) store<f32>(out + i, <f32>unaryMath(op, <f64>load<f32>(x + i)));
}
