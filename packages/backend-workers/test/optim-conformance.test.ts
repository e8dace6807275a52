import { describeOptimConformance } from '../../optim/test/conformance/index.js';
import { registerWorkersBackend } from '../src/index.js';

registerWorkersBackend();
describeOptimConformance('workers');
