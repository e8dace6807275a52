import { describeOptimConformance } from './conformance/index.js';

describeOptimConformance('cpu');
