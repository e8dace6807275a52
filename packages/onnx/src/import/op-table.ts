import type { OpTable } from './op-types.js';
import { constantOps } from './ops/constants.js';
import { convolutionOps } from './ops/convolution.js';
import { elementwiseOps } from './ops/elementwise.js';
import { indexingOps } from './ops/indexing.js';
import { linearOps } from './ops/linear.js';
import { lossOps } from './ops/loss.js';
import { matrixOps } from './ops/matrix.js';
import { normalizationOps } from './ops/normalization.js';
import { recurrentOps } from './ops/recurrent.js';
import { reductionOps } from './ops/reduction.js';
import { resamplingOps } from './ops/resampling.js';
import { shapeOps } from './ops/shape.js';

/** Every ONNX op (default domain) that importOnnx runs: op type → how it is built from Kindling ops. */
export const ONNX_OPS: OpTable = {
  ...elementwiseOps,
  ...linearOps,
  ...reductionOps,
  ...shapeOps,
  ...indexingOps,
  ...constantOps,
  ...convolutionOps,
  ...normalizationOps,
  ...lossOps,
  ...matrixOps,
  ...recurrentOps,
  ...resamplingOps,
};

/** The op types importOnnx supports, sorted. */
export const SUPPORTED_ONNX_OPS: readonly string[] = Object.keys(ONNX_OPS).sort();
