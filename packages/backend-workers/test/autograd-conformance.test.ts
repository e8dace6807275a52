import { describeAutogradConformance } from '../../autograd/test/conformance/index.js';
import { describePytorchGradientParity } from '../../autograd/test/conformance/pytorch-parity.js';
import { registerWorkersBackend } from '../src/index.js';

registerWorkersBackend();
describeAutogradConformance('workers');
describePytorchGradientParity('workers');
