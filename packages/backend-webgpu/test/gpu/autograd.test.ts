import { describeAutogradConformance } from '../../../autograd/test/conformance/index.js';
import { describePytorchGradientParity } from '../../../autograd/test/conformance/pytorch-parity.js';
import { setBackend } from '@kindling/tensor';
import { registerWebGpuBackend } from '../../src/index.js';

registerWebGpuBackend();
// describeAutogradConformance asks the backend for its dtypes while collecting, so start it first.
await setBackend('webgpu');
describeAutogradConformance('webgpu');
describePytorchGradientParity('webgpu');
