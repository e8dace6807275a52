import { setBackend } from '@kindling/tensor';
import { describeAutogradConformance } from '../../../autograd/test/conformance/index.js';
import { describePytorchGradientParity } from '../../../autograd/test/conformance/pytorch-parity.js';
import { describeNnConformance } from '../../../nn/test/conformance/index.js';
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
  // In Chromium there is no file system: the nn suite reports its file tests as skipped.
  describeNnConformance('gpujs', { fileSystem: false });
  describeOptimConformance('gpujs');
  lossAgreementSuite();
}
