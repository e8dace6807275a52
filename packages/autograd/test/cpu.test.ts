import { describeAutogradConformance } from './conformance/index.js';

describeAutogradConformance('cpu');
