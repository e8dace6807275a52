import { findBackend } from '@kindling/tensor';
import { beforeAll, describe } from 'vitest';
import { attentionSuite } from './attention.js';
import { buffersSuite } from './buffers.js';
import { convolutionSuite } from './convolution.js';
import { useBackend } from './harness.js';
import { layerParitySuite } from './layer-parity.js';
import { layersSuite } from './layers.js';
import { lossesSuite } from './losses.js';
import { memorySuite } from './memory.js';
import { moduleSuite } from './module.js';
import { paddingSuite } from './padding.js';
import { pointwiseLossesSuite } from './pointwise-losses.js';
import { pytorchParitySuite } from './pytorch-parity.js';
import { recurrentSuite } from './recurrent.js';
import { safetensorsSuite } from './safetensors.js';
import { upsamplingSuite } from './upsampling.js';

export interface NnConformanceOptions {
  /** Whether node:fs works where the suite runs (default true); in a browser the file tests are skipped. */
  fileSystem?: boolean;
}

/**
 * The nn conformance suite: every backend runs it unchanged, with `cpu` as the oracle. Cases that
 * need float64 (GPUs compute in float32) or a file system are reported as skipped where they are
 * missing, so call it after the backend has started.
 */
export function describeNnConformance(backendName: string, { fileSystem = true }: NnConformanceOptions = {}): void {
  describe(`nn conformance on '${backendName}'`, () => {
    beforeAll(() => useBackend(backendName));
    const float64 = findBackend(backendName).supportedDTypes.includes('float64');
    moduleSuite(float64);
    layersSuite();
    lossesSuite();
    pointwiseLossesSuite(float64);
    memorySuite();
    pytorchParitySuite();
    convolutionSuite(float64);
    paddingSuite(float64);
    safetensorsSuite(float64, fileSystem);
    layerParitySuite(float64);
    buffersSuite(float64);
    upsamplingSuite(float64);
    recurrentSuite(float64, fileSystem);
    attentionSuite(float64, fileSystem);
  });
}
