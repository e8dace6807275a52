import { describeTensorConformance } from './conformance/index.js';
import { describeIntegerRange } from './conformance/integer-range.js';

describeTensorConformance('cpu');
describeIntegerRange('cpu');
