import { describeTensorConformance } from './conformance/index.js';

describeTensorConformance('cpu');
