import { describeNnConformance } from '../../nn/test/conformance/index.js';
import { registerWorkersBackend } from '../src/index.js';

registerWorkersBackend();
describeNnConformance('workers');
