import { describeCapturedSteps } from '../../../data/test/conformance/captured-step.js';
import { registerWebGpuBackend } from '../../src/index.js';

registerWebGpuBackend();
describeCapturedSteps('webgpu', true);
