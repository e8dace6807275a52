import { describeTensorConformance } from '../../tensor/test/conformance/index.js';
import { describePytorchParity } from '../../tensor/test/conformance/pytorch-parity.js';
import { registerWorkersBackend } from '../src/index.js';
import { describeIntegerRange } from '../../tensor/test/conformance/integer-range.js';

registerWorkersBackend();
describeTensorConformance('workers');
describeIntegerRange('workers');
describePytorchParity('workers');
