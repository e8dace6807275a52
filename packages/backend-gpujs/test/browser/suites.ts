import { findBackend, setBackend } from '@kindling/tensor';
import { beforeAll, describe } from 'vitest';
import { describeAutogradConformance } from '../../../autograd/test/conformance/index.js';
import { describePytorchGradientParity } from '../../../autograd/test/conformance/pytorch-parity.js';
import { layersSuite } from '../../../nn/test/conformance/layers.js';
import { lossesSuite } from '../../../nn/test/conformance/losses.js';
import { moduleSuite } from '../../../nn/test/conformance/module.js';
import { pytorchParitySuite } from '../../../nn/test/conformance/pytorch-parity.js';
import { describeOptimConformance } from '../../../optim/test/conformance/index.js';
import { describeTensorConformance } from '../../../tensor/test/conformance/index.js';
import { describePytorchParity } from '../../../tensor/test/conformance/pytorch-parity.js';
import { registerGpuJsBackend, type GpuJsMode } from '../../src/index.js';
import { lossAgreementSuite } from '../loss-agreement.js';

/**
 * Every conformance suite on gpujs in `mode`, and the backend's own cross-entropy agreement suite,
 * started before collection (the autograd suite asks for its dtypes).
 */
export async function describeGpuJsConformance(mode: GpuJsMode): Promise<void> {
  registerGpuJsBackend({ mode });
  await setBackend('gpujs');
  describeTensorConformance('gpujs');
  describePytorchParity('gpujs');
  describeAutogradConformance('gpujs');
  describePytorchGradientParity('gpujs');
  // describeNnConformance minus its safetensors suite, which saves and loads files with node:fs.
  describe(`nn conformance on 'gpujs' (${mode})`, () => {
    beforeAll(() => setBackend('gpujs'));
    moduleSuite(findBackend('gpujs').supportedDTypes.includes('float64'));
    layersSuite();
    lossesSuite();
    pytorchParitySuite();
  });
  describeOptimConformance('gpujs');
  lossAgreementSuite();
}
