import { registerWorkersBackend } from '@kindling/backend-workers';
import { listCases, SUITES } from './onnx-cases.js';
import { describeReadmeCounts } from './readme-counts.js';
import { describeConformance } from './suite.js';

registerWorkersBackend();

const cases = SUITES.flatMap((suite) => listCases(suite));

const tallies = ['cpu', 'workers'].map((device) => describeConformance(device, cases, 'every case'));
describeReadmeCounts(tallies);
