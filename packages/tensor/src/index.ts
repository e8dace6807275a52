export type { Backend, BackendFactory, HostAccess, RecordedWork, Storage, TensorLimit, View, WorkRecorder } from './backend.js';
export { fallbacksOf, noteFallback, runOnCpu, UNREGISTERED_REASON, type Fallback, type FallbackOutput } from './cpu-fallback.js';
export {
  BackendConfigurationError,
  BackendUnavailableError,
  findBackend,
  getBackend,
  listBackends,
  probeBackends,
  ready,
  registerBackend,
  setBackend,
  announceBackendPackage,
  type BackendInfo,
  type RegisterBackendOptions,
} from './backend-registry.js';
export { runProbe, type BackendProbe, type ProbeResult } from './backend-probe.js';
export { DTYPES, isFloatingDType, promoteTypes, type DType, type TypedArray, type TypedArrayFor } from './dtype.js';
export { memory, resetPeakMemory, SCOPE_REFERENCES, StepScopes, writeVersion, type MemoryInfo, type ScopeReferences } from './engine.js';
export { adagradStepSize, KERNEL_NAMES, WRITTEN_ARGUMENTS, type RandomDistribution, type RandomStream, type AdadeltaHyperparameters, type AdagradHyperparameters, type AdamHyperparameters, type RmspropHyperparameters, type SgdHyperparameters, type InPlaceKernelName, type KernelResult, type ArgReduceOp, type BinaryOp, type CompareOp, type KernelArgs, type KernelName, type LossReduction, type ReduceOp, type UnaryOp, type WindowAxis, type Windows2d } from './kernel-names.js';
export {
  getKernel,
  registerKernel,
  registerKernelTable,
  registeredKernelNames,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
  type CompleteKernelTable,
  type KernelTable,
} from './kernel-registry.js';
export { defaultGenerator, Generator, manualSeed } from './random.js';
export { broadcastShapes, contiguousStrides, formatShape, isContiguous, normalizeDim, shapeSize, type Shape } from './shape.js';
export { isTensor, Tensor, type BinaryMethod, type BoolTensor, type NestedArray, type Scalar, type SizeMethod, type TensorOrScalar } from './tensor.js';
export { variance, type VarianceOptions } from './ops/statistics.js';
export { INSPECT, sizeMethod } from './ops/size.js';
export { tidy, keep, dispose, newHandle, scoped } from './memory.js';
export { guardReplay, isCapturing, rebindOnReplay, refreshOnReplay, replayable, requireMadeInStep } from './capture/hooks.js';
export { StepRecorder } from './capture/recorder.js';
export { Tape, type TapeSummary } from './capture/tape.js';
export { observeHostReads, unobservedRead, type HostReadMethod, type HostReadObserver } from './host-reads.js';
export {
  arange,
  eye,
  fromValues,
  full,
  fullLike,
  linspace,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  randperm,
  tensor,
  zeros,
  zerosLike,
  type CreationOptions,
  type RandomOptions,
  type SizeArgs,
  type TensorData,
  type TensorOptions,
} from './ops/creation.js';
export {
  abs,
  add,
  binary,
  cast,
  clamp,
  compare,
  cos,
  div,
  eq,
  erf,
  erfc,
  exp,
  expm1,
  ge,
  gt,
  le,
  log,
  log1p,
  lt,
  assertFillMask,
  maskedFill,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  relu,
  rsqrt,
  sigmoid,
  sign,
  sin,
  sqrt,
  sub,
  tanh,
  unary,
  where,
} from './ops/elementwise.js';
export {
  assertNever,
  BINARY_OP_NAMES,
  BINARY_OPS,
  COMPARE_OP_NAMES,
  COMPARE_OPS,
  defineElementwiseMethods,
  elementwiseMath,
  UNARY_OP_NAMES,
  UNARY_OPS,
  type DTypeRule,
  type ElementwiseMethodImpls,
  type ElementwiseOpSpec,
} from './ops/elementwise-ops.js';
export {
  COMPARISON_PRIMITIVES,
  isBoolValued,
  math,
  operand,
  primitivesOf,
  render,
  VALUE_PRIMITIVES,
  type MathDialect,
  type MathExpr,
  type MathTerm,
  type Primitive,
} from './ops/elementwise-math.js';
export { describeValue, isTensorOperand, TENSOR_OPERAND, type TensorOperand } from './ops/operand.js';
export { cat, stack } from './ops/join.js';
export { canPackTensors, packTensors } from './ops/arena.js';
export { einsum, einsumWith, type EinsumOperand } from './ops/einsum.js';
export { bernoulli, multinomial, type MultinomialOptions, type SamplingOptions } from './ops/sampling.js';
export { argsort, cumsum, reverseCumsum, sort, topk, topkIndices, tril, triu } from './ops/scan.js';
export { gather, indexAdd, indexSelect, oneHot, scatterAdd } from './ops/indexing.js';
export { assertBatchedMatrices, bmm, matmul } from './ops/matmul.js';
export { adadeltaStep, adagradStep, adamStep, rmspropStep, sgdStep, type AdadeltaState, type AdamState, type RmspropState } from './ops/optimizer.js';
export { argmax, argmin, max, mean, min, reducedShape, sum, type ValuesAndIndices } from './ops/reduction.js';
export { assertLossReduction, crossEntropy, crossEntropyBackward, type CrossEntropyOptions } from './ops/loss.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export { col2im, groupedIm2col, im2col, maxPool2dBackward, maxPool2dWindows } from './ops/windows.js';
export { chunk, chunkSize, contiguous, clone, expand, flatten, narrow, permute, reshape, select, slice, split, splitRanges, squeeze, transpose, unsqueeze, view } from './ops/views.js';
export { CpuBackend, registerCpuBackend, type CpuStorage } from './backends/cpu/cpu-backend.js';
