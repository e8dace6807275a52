import { describeOptimConformance } from '../../../optim/test/conformance/index.js';
import { registerWebGpuBackend } from '../../src/index.js';

registerWebGpuBackend();
describeOptimConformance('webgpu');
