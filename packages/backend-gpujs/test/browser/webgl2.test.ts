import { describeGpuJsConformance } from './suites.js';

await describeGpuJsConformance('webgl2');
