import { describeTrainingLoopMemory } from './conformance/training-loop.js';

describeTrainingLoopMemory('cpu', { mlp: 1000, cnn: 200 });
