import { describeTensorConformance } from '../../tensor/test/conformance/index.js';
import { describePytorchParity } from '../../tensor/test/conformance/pytorch-parity.js';
import { registerWorkersBackend } from '../src/index.js';

registerWorkersBackend();
describeTensorConformance('workers');
describePytorchParity('workers');
