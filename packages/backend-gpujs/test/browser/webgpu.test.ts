import { describeGpuJsConformance } from './suites.js';

await describeGpuJsConformance('webgpu');
