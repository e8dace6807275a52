/*
 * The WebAssembly kernels' op codes, one list for both sides: the host (src/kernels/elementwise.ts)
 * passes them, assembly/elementwise.ts switches on them. This file is valid TypeScript and valid
 * AssemblyScript, and both compilers read it, so the two sides cannot drift apart.
 */

export const UNARY_NEG = 0;
export const UNARY_ABS = 1;
export const UNARY_RELU = 2;
export const UNARY_SQRT = 3;
export const UNARY_SIGN = 4;
// The unary ops computed in float64 from libm-style functions (assembly/math.ts), one element at a time.
export const UNARY_EXP = 5;
export const UNARY_LOG = 6;
export const UNARY_SIGMOID = 7;
export const UNARY_TANH = 8;
export const UNARY_SIN = 9;
export const UNARY_COS = 10;
export const UNARY_ERF = 11;
export const UNARY_ERFC = 12;
export const UNARY_RSQRT = 13;
export const UNARY_EXPM1 = 14;
export const UNARY_LOG1P = 15;

export const BINARY_ADD = 0;
export const BINARY_SUB = 1;
export const BINARY_MUL = 2;
export const BINARY_DIV = 3;
export const BINARY_MAXIMUM = 4;
export const BINARY_MINIMUM = 5;

export const COMPARE_EQ = 0;
export const COMPARE_NE = 1;
export const COMPARE_LT = 2;
export const COMPARE_LE = 3;
export const COMPARE_GT = 4;
export const COMPARE_GE = 5;
