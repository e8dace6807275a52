import { findBackend } from '@kindling/tensor';
import { beforeAll, describe } from 'vitest';
import { useBackend } from './harness.js';
import { layersSuite } from './layers.js';
import { lossesSuite } from './losses.js';
import { memorySuite } from './memory.js';
import { moduleSuite } from './module.js';
import { pytorchParitySuite } from './pytorch-parity.js';
import { safetensorsSuite } from './safetensors.js';

/** The nn conformance suite: every backend runs it unchanged, with `cpu` as the oracle. */
export function describeNnConformance(backendName: string): void {
  describe(`nn conformance on '${backendName}'`, () => {
    beforeAll(() => useBackend(backendName));
    // float64 casts and files need a backend that stores float64 (GPUs compute in float32).
    const float64 = findBackend(backendName).supportedDTypes.includes('float64');
    moduleSuite(float64);
    layersSuite();
    lossesSuite();
    memorySuite();
    pytorchParitySuite();
    safetensorsSuite(float64);
  });
}
