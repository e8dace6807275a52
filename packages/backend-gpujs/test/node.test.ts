import { setBackend } from '@kindling/tensor';
import { describeAutogradConformance } from '../../autograd/test/conformance/index.js';
import { describePytorchGradientParity } from '../../autograd/test/conformance/pytorch-parity.js';
import { describeNnConformance } from '../../nn/test/conformance/index.js';
import { describeOptimConformance } from '../../optim/test/conformance/index.js';
import { describeTensorConformance } from '../../tensor/test/conformance/index.js';
import { describePytorchParity } from '../../tensor/test/conformance/pytorch-parity.js';
import { registerGpuJsBackend } from '../src/index.js';
import { describeIntegerRange } from '../../tensor/test/conformance/integer-range.js';

// Node runs gpu.js's webasm mode here (no Dawn, no headless-gl); naming it keeps the suites on the
// synchronous mode even where a WebGPU adapter would answer.
registerGpuJsBackend({ mode: 'webasm' });
// The autograd suite asks the started backend for its dtypes while it is being collected.
await setBackend('gpujs');

describeTensorConformance('gpujs');
describeIntegerRange('gpujs');
describePytorchParity('gpujs');
describeAutogradConformance('gpujs');
describePytorchGradientParity('gpujs');
describeNnConformance('gpujs');
describeOptimConformance('gpujs');
