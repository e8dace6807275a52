import { describeTensorConformance } from '../../../tensor/test/conformance/index.js';
import { describePytorchParity } from '../../../tensor/test/conformance/pytorch-parity.js';
import { registerWebGpuBackend } from '../../src/index.js';

registerWebGpuBackend();
describeTensorConformance('webgpu');
describePytorchParity('webgpu');
