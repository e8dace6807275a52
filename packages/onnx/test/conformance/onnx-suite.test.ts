import { registerWorkersBackend } from '@kindling/backend-workers';
import { listCases, SUITES } from './onnx-cases.js';
import { describeConformance } from './suite.js';

registerWorkersBackend();

const cases = SUITES.flatMap((suite) => listCases(suite));

for (const device of ['cpu', 'workers']) describeConformance(device, cases, 'every case');
