import { describeTrainingLoopMemory } from '../../../data/test/conformance/training-loop.js';
import { registerWebGpuBackend } from '../../src/index.js';

registerWebGpuBackend();
// SwiftShader runs WebGPU on the CPU: the full networks take seconds a step there, the narrow ones
// (the same layers, a fraction of the width) milliseconds, and memory is counted the same way.
describeTrainingLoopMemory('webgpu', { mlp: 1000, cnn: 200, size: 'narrow' });
