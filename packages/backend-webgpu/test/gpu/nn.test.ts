import { describe, beforeAll } from 'vitest';
import { layersSuite } from '../../../nn/test/conformance/layers.js';
import { lossesSuite } from '../../../nn/test/conformance/losses.js';
import { moduleSuite } from '../../../nn/test/conformance/module.js';
import { pytorchParitySuite } from '../../../nn/test/conformance/pytorch-parity.js';
import { findBackend, setBackend } from '@kindling/tensor';
import { registerWebGpuBackend } from '../../src/index.js';

registerWebGpuBackend();
await setBackend('webgpu');
const float64 = findBackend('webgpu').supportedDTypes.includes('float64');

// describeNnConformance minus its safetensors suite, which writes files with node:fs (it runs in Node on cpu).
describe("nn conformance on 'webgpu'", () => {
  beforeAll(async () => {
    await setBackend('webgpu');
  });
  moduleSuite(float64);
  layersSuite();
  lossesSuite();
  pytorchParitySuite();
});
