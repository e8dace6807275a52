import { describeNnConformance } from './conformance/index.js';

describeNnConformance('cpu');
